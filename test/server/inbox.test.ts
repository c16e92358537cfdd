import { describe, expect, it } from 'vitest'

import { Inbox } from '../../src/server/inbox.js'
import type { Message } from '../../src/types.js'

function source(): { pause: () => void; resume: () => void; log: string[] } {
  const log: string[] = []
  return { log, pause: () => void log.push('pause'), resume: () => void log.push('resume') }
}

const frame = (n: number): Message => ({ type: 'websocket.receive', bytes: new Uint8Array(n) })

describe('Inbox', () => {
  describe('#push', () => {
    it('pauses the socket once the waiting frames hold the byte threshold, whatever their number', () => {
      const socket = source()
      const inbox = new Inbox(64, 1000)
      inbox.attach(socket)
      expect(inbox.push(frame(400), 400)).toBe(400)
      expect(inbox.push(frame(400), 400)).toBe(800)
      expect(inbox.paused).toBe(false)
      expect(inbox.push(frame(400), 400)).toBe(1200)
      expect(inbox.paused).toBe(true)
      expect(socket.log).toEqual(['pause'])
    })

    it('counts nothing for a frame handed straight to a waiting receive()', async () => {
      const inbox = new Inbox(64, 1000)
      inbox.attach(source())
      const next = inbox.receive()
      expect(inbox.push(frame(5000), 5000)).toBe(0)
      expect(inbox.bytes).toBe(0)
      expect(inbox.paused).toBe(false)
      expect(await next).toEqual(frame(5000))
    })

    it('drops what arrives after the final event', async () => {
      const inbox = new Inbox(64, 1000)
      inbox.finish({ type: 'websocket.disconnect', code: 1013 })
      expect(inbox.push(frame(10), 10)).toBe(0)
      expect(await inbox.receive()).toEqual({ type: 'websocket.disconnect', code: 1013 })
      expect(inbox.bytes).toBe(0)
    })
  })

  describe('#receive', () => {
    it('subtracts exactly what each frame added and resumes once half the bytes are taken', async () => {
      const socket = source()
      const inbox = new Inbox(64, 1000)
      inbox.attach(socket)
      for (const size of [300, 500, 250]) inbox.push(frame(size), size)
      expect(inbox.paused).toBe(true)
      await inbox.receive()
      expect(inbox.bytes).toBe(750)
      expect(inbox.paused).toBe(true)
      await inbox.receive()
      expect(inbox.bytes).toBe(250)
      expect(inbox.paused).toBe(false)
      expect(socket.log).toEqual(['pause', 'resume'])
      await inbox.receive()
      expect(inbox.bytes).toBe(0)
    })

    it('keeps the count exact over a long backlog that never empties', async () => {
      const inbox = new Inbox(1_000_000, Infinity)
      let expected = 0
      for (let i = 0; i < 5000; i++) {
        inbox.push(frame(i % 7), i % 7)
        inbox.push(frame(3), 3)
        expected += (i % 7) + 3
        expected -= ((await inbox.receive()) as { bytes: Uint8Array }).bytes.byteLength
      }
      expect(inbox.bytes).toBe(expected)
      expect(expected).toBeGreaterThan(0)
    })
  })

  describe('#discard', () => {
    it('drops the waiting frames, so the final event is the next thing received', async () => {
      const inbox = new Inbox(64, 10_000)
      inbox.push({ type: 'websocket.connect' })
      await inbox.receive()
      inbox.push(frame(4000), 4000)
      inbox.push(frame(4000), 4000)
      inbox.discard()
      expect(inbox.bytes).toBe(0)
      inbox.finish({ type: 'websocket.disconnect', code: 1013 })
      expect(await inbox.receive()).toEqual({ type: 'websocket.disconnect', code: 1013 })
    })
  })
})
