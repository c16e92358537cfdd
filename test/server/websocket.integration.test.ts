import { describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { RouteNotFound } from '../../src/errors.js'
import { ProtocolTypeRouter } from '../../src/routing/protocol-type-router.js'
import type { Application, Message, Receive, Send, WebsocketScope } from '../../src/types.js'
import {
  closed,
  deferred,
  nextMessage,
  openClient,
  openSocket,
  quietLogger,
  startServer,
  withoutConnectionIds,
} from './helpers.js'

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

/** An echo application that records every event it receives. */
function echoApp(events: Message[] = []): Application {
  return async (_scope, receive, send) => {
    for (;;) {
      const event = await receive()
      events.push(event)
      if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
      else if (event.type === 'websocket.receive') {
        const { text, bytes } = event as { text?: string; bytes?: Uint8Array }
        await send(text != null ? { type: 'websocket.send', text } : { type: 'websocket.send', bytes })
      } else if (event.type === 'websocket.disconnect') return
    }
  }
}

describe('serve() WebSocket', () => {
  it('echoes text and binary frames after accept', async () => {
    const { ws } = await startServer(echoApp())
    const socket = await openSocket(`${ws}/echo/`)
    socket.send('hello')
    expect(await nextMessage(socket)).toBe('hello')
    const binary = new Promise<{ data: Buffer; isBinary: boolean }>((resolve) =>
      socket.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })),
    )
    socket.send(Buffer.from([1, 2, 3]))
    const got = await binary
    expect(got.isBinary).toBe(true)
    expect([...got.data]).toEqual([1, 2, 3])
  })

  it('gives connections one frozen copy of what their scopes hold alike, and their own of the rest', async () => {
    const scopes: WebsocketScope[] = []
    const { ws } = await startServer(async (scope, receive, send) => {
      scopes.push(scope as WebsocketScope)
      return echoApp()(scope, receive, send)
    })
    const first = await openSocket(`${ws}/a/`)
    const second = await openSocket(`${ws}/b/`)
    first.close()
    second.close()
    const [a, b] = scopes as [WebsocketScope, WebsocketScope]
    expect(a.server).toBe(b.server)
    expect(Object.isFrozen(a.server)).toBe(true)
    expect(a.subprotocols).toBe(b.subprotocols)
    expect(a.subprotocols).toEqual([])
    // Read-only in type too; the cast checks that it is frozen at run time.
    expect(() => (a.subprotocols as string[]).push('chat')).toThrow(TypeError)
    const pair = (scope: WebsocketScope, name: string) => scope.headers.find(([n]) => n === name)!
    expect(pair(a, 'host')).toBe(pair(b, 'host'))
    expect(pair(a, 'sec-websocket-version')).toEqual(['sec-websocket-version', '13'])
    expect(() => {
      ;(pair(a, 'host') as [string, string])[1] = 'evil.example'
    }).toThrow(TypeError)
    expect(pair(b, 'host')[1]).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(pair(a, 'sec-websocket-key')).not.toBe(pair(b, 'sec-websocket-key'))
    expect(a.headers).not.toBe(b.headers)
    expect(a.client).not.toBe(b.client)
  })

  it('a close before accept rejects the handshake with 403', async () => {
    const { ws } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.close' })
    })
    const result = await openClient(`${ws}/private/`)
    expect(result.kind).toBe('rejected')
    expect(result.kind === 'rejected' && result.status).toBe(403)
  })

  it('a denial response answers the handshake with its own status and body', async () => {
    const { ws } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [['content-type', 'application/json']],
      })
      await send({ type: 'websocket.http.response.body', body: encode('{"error":"login required"}') })
    })
    const result = await openClient(`${ws}/private/`)
    expect(result).toMatchObject({ kind: 'rejected', status: 401, body: '{"error":"login required"}' })
    expect(result.kind === 'rejected' && result.headers['content-type']).toBe('application/json')
  })

  it('an unmatched route gives 404, not 500', async () => {
    const logger = quietLogger()
    const { ws } = await startServer(
      async (scope) => {
        throw new RouteNotFound(`No route found for path '${(scope as WebsocketScope).path}'.`)
      },
      { logger },
    )
    const result = await openClient(`${ws}/nowhere/`)
    expect(result).toMatchObject({ kind: 'rejected', status: 404 })
    expect(result.kind === 'rejected' && result.body).not.toContain('RouteNotFound')
    expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([])
  })

  it('an exception before accept gives 500 without a stack trace', async () => {
    const logger = quietLogger()
    const { ws } = await startServer(
      async () => {
        throw new Error('secret detail')
      },
      { logger },
    )
    const result = await openClient(`${ws}/`)
    expect(result).toMatchObject({ kind: 'rejected', status: 500 })
    expect(result.kind === 'rejected' && result.body).not.toContain('secret detail')
    expect(logger.lines.some((line) => line.startsWith('error'))).toBe(true)
  })

  it('echoes the subprotocol the application chose', async () => {
    const { ws } = await startServer(async (scope, receive, send) => {
      await receive()
      const offered = (scope as WebsocketScope).subprotocols
      expect(offered).toEqual(['v1.chat', 'v2.chat'])
      await send({ type: 'websocket.accept', subprotocol: 'v2.chat' })
      await receive()
    })
    const result = await openClient(`${ws}/`, ['v1.chat', 'v2.chat'])
    expect(result.kind === 'open' && result.protocol).toBe('v2.chat')
  })

  it('refuses a subprotocol the client did not offer', async () => {
    const logger = quietLogger()
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept', subprotocol: 'made-up' })
      },
      { logger },
    )
    const result = await openClient(`${ws}/`, ['v1.chat'])
    expect(result).toMatchObject({ kind: 'rejected', status: 500 })
  })

  it('adds the accept headers to the 101 response', async () => {
    const { ws } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({
        type: 'websocket.accept',
        headers: [
          ['x-session', 'abc123'],
          ['set-cookie', 'a=1'],
        ],
      })
      await receive()
    })
    const result = await openClient(`${ws}/`)
    expect(result.kind).toBe('open')
    expect(result.kind === 'open' && result.headers['x-session']).toBe('abc123')
    expect(result.kind === 'open' && result.headers['set-cookie']).toEqual(['a=1'])
  })

  it('delivers the application close code and reason to the client', async () => {
    const { ws } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await send({ type: 'websocket.close', code: 4001, reason: 'session expired' })
      await receive()
    })
    const socket = await openSocket(`${ws}/`)
    expect(await closed(socket)).toEqual({ code: 4001, reason: 'session expired' })
  })

  it('delivers the client close code and reason to the application, exactly once', async () => {
    const events: Message[] = []
    const done = deferred<void>()
    const { ws } = await startServer(async (scope, receive, send) => {
      await echoApp(events)(scope, receive, send)
      done.resolve()
    })
    const socket = await openSocket(`${ws}/`)
    socket.close(4321, 'bye now')
    await done.promise
    const disconnects = events.filter((event) => event.type === 'websocket.disconnect')
    expect(disconnects).toEqual([{ type: 'websocket.disconnect', code: 4321, reason: 'bye now' }])
  })

  it('closes with 1011 when the application fails after accept, and keeps serving', async () => {
    const logger = quietLogger()
    const { ws } = await startServer(
      async (scope, receive, send) => {
        if ((scope as WebsocketScope).path === '/boom/') {
          await receive()
          await send({ type: 'websocket.accept' })
          await receive()
          throw new Error('kaboom')
        }
        return echoApp()(scope, receive, send)
      },
      { logger },
    )
    const boom = await openSocket(`${ws}/boom/`)
    const other = await openSocket(`${ws}/ok/`)
    boom.send('trigger')
    expect((await closed(boom)).code).toBe(1011)
    other.send('still here')
    expect(await nextMessage(other)).toBe('still here')
  })

  it('closes with 1009 when a message is over maxMessageSize', async () => {
    const events: Message[] = []
    const done = deferred<void>()
    const { ws } = await startServer(
      async (scope, receive, send) => {
        await echoApp(events)(scope, receive, send)
        done.resolve()
      },
      { maxMessageSize: 1024 },
    )
    const socket = await openSocket(`${ws}/`)
    socket.send('x'.repeat(1025))
    expect((await closed(socket)).code).toBe(1009)
    await done.promise
    expect(events.at(-1)).toMatchObject({ type: 'websocket.disconnect', code: 1009 })
  })

  it('queues frames that arrive while the application is busy, in order', async () => {
    const received: string[] = []
    const gate = deferred<void>()
    const done = deferred<void>()
    const { ws } = await startServer(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.accept' })
        await gate.promise
        for (;;) {
          const event = await receive()
          if (event.type !== 'websocket.receive') break
          received.push((event as { text: string }).text)
          if (received.length === 200) done.resolve()
        }
      },
      { maxQueuedMessages: 8 },
    )
    const socket = await openSocket(`${ws}/`)
    for (let i = 0; i < 200; i++) socket.send(String(i))
    await new Promise((resolve) => setTimeout(resolve, 50))
    gate.resolve()
    await done.promise
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => String(i)))
  })

  it('rejects a send before accept with InvalidEvent', async () => {
    const failure = deferred<unknown>()
    const { ws } = await startServer(async (_scope: unknown, receive: Receive, send: Send) => {
      await receive()
      await send({ type: 'websocket.send', text: 'too early' }).catch((error: unknown) =>
        failure.resolve(error),
      )
      await send({ type: 'websocket.close' })
    })
    await openClient(`${ws}/`)
    expect(await failure.promise).toMatchObject({ code: 'CHANNELS_ERR_INVALID_EVENT' })
  })

  it('refuses a WebSocket to an HTTP-only application with 404 and one log line', async () => {
    const logger = quietLogger()
    const app = ProtocolTypeRouter({ http: async () => {} })
    const { ws } = await startServer(app, { logger })
    expect(await openClient(`${ws}/ws/`)).toMatchObject({ kind: 'rejected', status: 404 })
    expect(withoutConnectionIds(logger.lines)).toEqual([
      "warn: WebSocket /ws/: No application configured for scope type 'websocket'. ProtocolTypeRouter " +
        "knows: 'http'; add a 'websocket' entry to route it. Refused the handshake with 404.",
    ])
  })

  it('says that connect() finished without accept() or close() when the handshake times out', async () => {
    const logger = quietLogger()
    class Forgetful extends WebsocketConsumer {
      override async connect(): Promise<void> {
        // Forgot this.accept().
      }
    }
    const { ws } = await startServer(Forgetful.asApp(), { logger, handshakeTimeout: 100 })
    expect(await openClient(`${ws}/ws/`)).toMatchObject({ kind: 'rejected', status: 503 })
    expect(withoutConnectionIds(logger.lines)).toEqual([
      'warn: The application took websocket.connect and is waiting for the next event without answering ' +
        'it: connect() finished without accept() or close() (a raw application must send websocket.accept ' +
        'or websocket.close). Sent 503 to the WebSocket handshake for /ws/ after 100 ms.',
    ])
  })
})
