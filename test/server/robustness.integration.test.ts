import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'

import { serve } from 'tschannels/server'

import type { Application, Message } from '../../src/types.js'
import {
  closed,
  deferred,
  nextMessage,
  openClient,
  openSocket,
  quietLogger,
  rawExchange,
  startServer,
} from './helpers.js'

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

/** Accepts, then reports every event to `events` until the disconnect. */
function recorder(events: Message[], done?: () => void): Application {
  return async (_scope, receive, send) => {
    for (;;) {
      const event = await receive()
      events.push(event)
      if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
      if (event.type === 'websocket.disconnect') break
    }
    done?.()
  }
}

describe('serve() with bad input', () => {
  it('closes with 1007 on a text frame that is not UTF-8', async () => {
    const { ws } = await startServer(recorder([]))
    const socket = await openSocket(`${ws}/`)
    // A masked text frame (opcode 1) whose payload is the invalid byte 0xff.
    const raw = (socket as unknown as { _socket: Socket })._socket
    raw.write(Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0xff]))
    expect((await closed(socket)).code).toBe(1007)
  })

  it('survives garbage after the handshake and keeps serving others', async () => {
    const events: Message[] = []
    const done = deferred<void>()
    const { ws, port } = await startServer(recorder(events, () => done.resolve()))
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      onTestFinished(() => void socket.destroy())
      socket.on('error', () => {})
      socket.once('data', () => {
        // An unmasked frame from a client is a protocol error.
        socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]))
        resolve()
      })
      socket.write(UPGRADE)
    })
    await done.promise
    expect(events.at(-1)).toMatchObject({ type: 'websocket.disconnect', code: 1002 })
    const other = await openClient(`${ws}/`)
    expect(other.kind).toBe('open')
  })

  it('answers 400 to a handshake with a bad key, before the application', async () => {
    let called = false
    const { port } = await startServer(async () => {
      called = true
    })
    const answer = await rawExchange(port, UPGRADE.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'))
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(called).toBe(false)
  })

  it('answers 503 when the application does not answer the handshake in time', async () => {
    const { ws } = await startServer(
      async (_scope, receive) => {
        await receive()
        await new Promise(() => {})
      },
      { handshakeTimeout: 100, applicationCloseTimeout: 50, logger: quietLogger() },
    )
    expect(await openClient(`${ws}/`)).toMatchObject({ kind: 'rejected', status: 503 })
  })

  it('gives http.disconnect when the client aborts in the middle of a request body', async () => {
    const events: Message[] = []
    const done = deferred<void>()
    const { port } = await startServer(async (_scope, receive) => {
      for (;;) {
        const event = await receive()
        events.push(event)
        if (event.type === 'http.disconnect') break
      }
      done.resolve()
    })
    void rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789', 100)
    await done.promise
    expect(events.at(-1)).toEqual({ type: 'http.disconnect' })
    const body = events.filter((event) => event.type === 'http.request')
    expect(body.every((event) => (event as { moreBody: boolean }).moreBody)).toBe(true)
  })

  it('rejects an invalid close code from the application with InvalidEvent', async () => {
    const failure = deferred<unknown>()
    const { ws } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await send({ type: 'websocket.close', code: 1005 }).catch((error: unknown) => failure.resolve(error))
      await send({ type: 'websocket.close', code: 4000 })
    })
    const socket = await openSocket(`${ws}/`)
    expect(await failure.promise).toMatchObject({ code: 'CHANNELS_ERR_INVALID_EVENT' })
    expect((await closed(socket)).code).toBe(4000)
  })
})

describe('serve() options', () => {
  it('listens on a Unix domain socket', async () => {
    const socketPath = join(tmpdir(), `tschannels-${process.pid}-${Date.now()}.sock`)
    const server = await serve(
      async (scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        await send({
          type: 'websocket.send',
          text: JSON.stringify([scope.type, 'server' in scope && scope.server]),
        })
        await receive()
      },
      { socketPath, logger: quietLogger(), drainWindow: 0 },
    )
    onTestFinished(() => server.close())
    expect(server.address()).toBe(socketPath)
    const socket = new WebSocket(`ws+unix://${socketPath}:/`)
    onTestFinished(() => socket.terminate())
    expect(JSON.parse(await nextMessage(socket))).toEqual(['websocket', null])
  })

  it('negotiates permessage-deflate only when enabled', async () => {
    const echo = recorder([])
    const off = await startServer(echo)
    const on = await startServer(echo, { perMessageDeflate: true })
    const plain = await openClient(`${off.ws}/`)
    const deflated = await openClient(`${on.ws}/`)
    expect(plain.kind === 'open' && plain.headers['sec-websocket-extensions']).toBeUndefined()
    expect(deflated.kind === 'open' && deflated.headers['sec-websocket-extensions']).toContain(
      'permessage-deflate',
    )
  })
})
