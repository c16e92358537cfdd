/**
 * What one WebSocket may hold: a client that sends but never reads must not
 * pin memory (received frames waiting for a blocked application, answers
 * waiting for the client) for longer than the idle-reader timeout, nor more
 * than the connection's byte budget, and closing it must not disturb anyone
 * else.
 */

import { describe, expect, it } from 'vitest'

import type { Message } from '../../src/types.js'
import { deferred, nextMessage, openSocket, quietLogger, startServer, waitFor } from './helpers.js'

/** A chat-like application: `history` answers with a large page, `say:x` echoes x, anything else is ignored. */
function historyApp(page: string, onDisconnect: (result: AttackResult) => void) {
  return async (_scope: unknown, receive: () => Promise<Message>, send: (m: Message) => Promise<void>) => {
    await receive()
    await send({ type: 'websocket.accept' })
    let historyServed = 0
    let otherFrames = 0
    for (;;) {
      const event = await receive()
      if (event.type === 'websocket.disconnect') {
        onDisconnect({ event, historyServed, otherFrames })
        return
      }
      const text = (event as { text?: string }).text
      if (text === 'history') {
        // Awaited, as a consumer's send() is: the application is paced by its client.
        await send({ type: 'websocket.send', text: page })
        historyServed++
      } else if (text?.startsWith('say:')) await send({ type: 'websocket.send', text: text.slice(4) })
      else otherFrames++
    }
  }
}

interface AttackResult {
  event: Message
  historyServed: number
  otherFrames: number
}

describe('serve() per-connection budget', () => {
  it('closes a client that sends but never reads with 1013, drops what it holds, and spares the others', async () => {
    // 200 stored messages of about 4 KB make one history page.
    const page = 'h'.repeat(200 * 4 * 1024)
    const attacker = deferred<AttackResult>()
    const logger = quietLogger()
    let connections = 0
    const { ws } = await startServer(
      (scope, receive, send) =>
        historyApp(page, (result) => {
          if (connections > 0) attacker.resolve(result)
        })(scope, receive, send),
      { idleReaderTimeout: 300, logger },
    )
    const bystander = await openSocket(`${ws}/`)
    connections++
    const client = await openSocket(`${ws}/`)
    // The attack: stop reading, ask for far more than fits in any buffer, then flood.
    client.pause()
    for (let i = 0; i < 25; i++) client.send('history')
    const blob = Buffer.alloc(1_000_000, 0x61)
    for (let i = 0; i < 70; i++) client.send(blob, { binary: true })

    const result = await attacker.promise
    expect(result.event).toMatchObject({ type: 'websocket.disconnect', code: 1013 })
    // The application was blocked in send() when the client was closed; what the
    // client had queued meanwhile was dropped rather than handed over afterwards.
    expect(result.historyServed).toBeLessThan(25)
    expect(result.otherFrames).toBe(0)
    expect(logger.lines.join('\n')).toMatch(/with 1013: the client read nothing for 300 ms/)

    bystander.send('say:still here')
    expect(await nextMessage(bystander)).toBe('still here')
  })

  it('closes a connection whose queued frames and unwritten sends together pass connectionBufferLimit', async () => {
    const filled = deferred<void>()
    const closedByServer = deferred<void>()
    const disconnect = deferred<Message>()
    const logger = quietLogger()
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        // Send until a send() stays waiting for many event-loop turns: the client
        // reads nothing and the kernel's socket buffers are full.
        for (;;) {
          let settled = false
          void send({ type: 'websocket.send', bytes: Buffer.alloc(64 * 1024) }).then(() => (settled = true))
          for (let turn = 0; turn < 20 && !settled; turn++) await new Promise((r) => setImmediate(r))
          if (!settled) break
        }
        // About 1.2 MiB then waits to be written: within the 2 MiB budget on its own.
        for (let i = 0; i < 4; i++) void send({ type: 'websocket.send', bytes: Buffer.alloc(280 * 1024) })
        filled.resolve()
        await closedByServer.promise
        // The frames the connection held went with it: the disconnect comes first.
        disconnect.resolve(await receive())
      },
      { connectionBufferLimit: 2 * 1024 * 1024, maxMessageSize: 1024 * 1024, logger, pingInterval: 0 },
    )
    const client = await openSocket(`${ws}/`)
    client.pause()
    await filled.promise
    for (let i = 0; i < 3; i++) client.send(Buffer.alloc(600 * 1024), { binary: true })
    await waitFor(() => logger.lines.some((line) => line.includes('with 1013')))
    closedByServer.resolve()
    expect(await disconnect.promise).toMatchObject({ type: 'websocket.disconnect', code: 1013 })
    expect(logger.lines.join('\n')).toMatch(
      /with 1013: it holds \d+ bytes \([1-9]\d* received and not yet taken by the application, [1-9]\d* waiting to be written\), over connectionBufferLimit \(2097152\)/,
    )
  })

  it('keeps pinging a connection whose reading is paused, and does not drop it for the unread pong', async () => {
    const gate = deferred<void>()
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        await gate.promise
        for (;;) {
          const event = await receive()
          if (event.type !== 'websocket.receive') return
          await send({ type: 'websocket.send', text: `echo:${(event as { text: string }).text}` })
        }
      },
      { maxQueuedMessages: 2, pingInterval: 30, pingTimeout: 60 },
    )
    const client = await openSocket(`${ws}/`)
    // Four frames for an application that takes none: reading pauses after two.
    for (let i = 0; i < 4; i++) client.send(`early ${i}`)
    let pings = 0
    await new Promise<void>((resolve) =>
      client.on('ping', () => {
        if (++pings === 4) resolve()
      }),
    )
    gate.resolve()
    const replies: string[] = []
    await new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        replies.push(data.toString())
        if (replies.length === 4) resolve()
      }),
    )
    expect(replies).toEqual(['echo:early 0', 'echo:early 1', 'echo:early 2', 'echo:early 3'])
  })
})
