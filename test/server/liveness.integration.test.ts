import { connect } from 'node:net'
import type { Socket } from 'node:net'

import { describe, expect, it, onTestFinished } from 'vitest'

import type { Message } from '../../src/types.js'
import { deferred, nextMessage, openSocket, quietLogger, startServer } from './helpers.js'

/** Completes a WebSocket handshake over a raw socket, then leaves the socket paused (never read). */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    onTestFinished(() => void socket.destroy())
    socket.on('error', reject)
    let head = ''
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      socket.pause()
      if (head.startsWith('HTTP/1.1 101')) resolve(socket)
      else reject(new Error(head))
    }
    socket.on('data', onData)
    socket.write(
      'GET /feed HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
  })
}

describe('serve() liveness and backpressure', () => {
  it('closes a peer that stops answering pings within interval + timeout', async () => {
    const disconnect = deferred<Message>()
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        disconnect.resolve(await receive())
      },
      { pingInterval: 100, pingTimeout: 150 },
    )
    const started = Date.now()
    await openSocket(`${ws}/`, undefined, { autoPong: false })
    expect(await disconnect.promise).toMatchObject({ type: 'websocket.disconnect', code: 1006 })
    // interval + timeout, plus generous scheduling slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(100 + 150 + 1500)
  })

  it('keeps a peer that answers pings', async () => {
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        for (;;) {
          const event = await receive()
          if (event.type !== 'websocket.receive') return
          await send({ type: 'websocket.send', text: 'pong:' + (event as { text: string }).text })
        }
      },
      { pingInterval: 50, pingTimeout: 200 },
    )
    const socket = await openSocket(`${ws}/`)
    // Long enough for several ping checks to have fired.
    await new Promise((resolve) => setTimeout(resolve, 800))
    socket.send('still alive')
    expect(await nextMessage(socket)).toBe('pong:still alive')
  })

  it('closes a slow reader with 1013 and stops buffering for it', async () => {
    const size = 64 * 1024
    const limit = 1024 * 1024
    const result = deferred<{ sent: number; event: Message }>()
    const { port } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        let gone: Message | undefined
        void receive().then((event) => (gone = event))
        let sent = 0
        // 4000 x 64 KiB is 256 MiB: far more than the server may hold for one client.
        while (sent < 4000 && gone === undefined) {
          // Fire and forget, like a broadcast: only the buffer limit protects memory here.
          void send({ type: 'websocket.send', bytes: Buffer.alloc(size, sent & 0xff) })
          sent++
          if (sent % 16 === 0) await new Promise((resolve) => setImmediate(resolve))
        }
        result.resolve({ sent, event: gone! })
      },
      { sendBufferLimit: limit, sendHighWaterMark: 64 * 1024, logger: quietLogger(), pingInterval: 0 },
    )
    await stalledClient(port)
    const { sent, event } = await result.promise
    expect(event).toMatchObject({ type: 'websocket.disconnect', code: 1013 })
    // What the server accepted is the limit plus what the kernel's socket buffers absorbed.
    expect(sent * size).toBeLessThan(limit + 32 * 1024 * 1024)
    expect(sent).toBeLessThan(4000)
  })

  it('makes send() wait while the client is behind, without closing it', async () => {
    const size = 64 * 1024
    let completed = 0
    const { port } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        for (let i = 0; i < 2000; i++) {
          await send({ type: 'websocket.send', bytes: Buffer.alloc(size) })
          completed++
        }
      },
      {
        sendBufferLimit: 4 * 1024 * 1024,
        sendHighWaterMark: 64 * 1024,
        logger: quietLogger(),
        pingInterval: 0,
      },
    )
    const socket = await stalledClient(port)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const whileStalled = completed
    expect(whileStalled).toBeLessThan(2000)
    // Reading again lets the application continue.
    socket.resume()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(completed).toBeGreaterThan(whileStalled)
  })
})
