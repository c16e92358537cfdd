import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { SendBuffer } from '../../src/server/send-buffer.js'

/** A socket whose written and queued byte counts the test sets, as a client reading (or not) would. */
class FakeSocket extends EventEmitter {
  bytesWritten = 0
  queued = 0
  writableNeedDrain = false
  get writableLength(): number {
    return this.queued
  }
  /** Bytes handed to the socket: counted in `bytesWritten` and queued until the client reads. */
  write_(bytes: number): void {
    this.bytesWritten += bytes
    this.queued += bytes
  }
  /** The client read `bytes`: they leave the queue. */
  read_(bytes: number): void {
    this.queued -= bytes
  }
}

function setup(timeout = 1000): {
  socket: FakeSocket
  buffer: SendBuffer
  idle: ReturnType<typeof vi.fn>
} {
  const socket = new FakeSocket()
  const idle = vi.fn()
  const source = {
    get bufferedAmount() {
      return socket.queued
    },
  }
  const buffer = new SendBuffer(socket as unknown as Duplex, source, 64, timeout, idle)
  return { socket, buffer, idle }
}

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe('SendBuffer', () => {
  describe('idle-reader watch', () => {
    it('reports a client that reads nothing of what waits for idleReaderTimeout', () => {
      const { socket, buffer, idle } = setup()
      socket.write_(10_000)
      void buffer.drained()
      vi.advanceTimersByTime(999)
      expect(idle).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1)
      expect(idle).toHaveBeenCalledTimes(1)
    })

    it('keeps a slow client that reads a little in every period', () => {
      const { socket, buffer, idle } = setup()
      socket.write_(10_000)
      void buffer.drained()
      for (let i = 0; i < 5; i++) {
        socket.read_(100)
        // More sends in the meantime do not count as progress; reads do.
        socket.write_(500)
        vi.advanceTimersByTime(1000)
      }
      expect(idle).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1000)
      expect(idle).toHaveBeenCalledTimes(1)
    })

    it('stops watching once the client has caught up', () => {
      const { socket, buffer, idle } = setup()
      socket.write_(10_000)
      void buffer.drained()
      socket.read_(10_000)
      vi.advanceTimersByTime(5000)
      expect(idle).not.toHaveBeenCalled()
    })

    it('never reports when the timeout is 0', () => {
      const { socket, buffer, idle } = setup(0)
      socket.write_(10_000)
      void buffer.drained()
      vi.advanceTimersByTime(60_000)
      expect(idle).not.toHaveBeenCalled()
    })

    it('lets waiting senders go and never reports after stop()', async () => {
      const { socket, buffer, idle } = setup()
      socket.write_(10_000)
      socket.writableNeedDrain = true
      const waiting = buffer.drained()
      buffer.stop()
      await waiting
      vi.advanceTimersByTime(5000)
      expect(idle).not.toHaveBeenCalled()
    })
  })
})
