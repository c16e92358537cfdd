import { describe, expect, it } from 'vitest'

import { serve } from 'tschannels/server'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { redactQuery } from '../../src/server/access-log.js'
import type { Application, Message } from '../../src/types.js'
import { closed, deferred, openClient, openSocket, startServer, waitFor } from './helpers.js'

const holdOpen =
  (events: Message[] = []): Application =>
  async (_scope, receive, send) => {
    for (;;) {
      const event = await receive()
      events.push(event)
      if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
      if (event.type === 'websocket.disconnect' || event.type === 'http.request') {
        if (event.type === 'http.request') {
          await send({ type: 'http.response.start', status: 200 })
          await send({ type: 'http.response.body', body: new TextEncoder().encode('hi') })
        }
        return
      }
    }
  }

describe('serve()', () => {
  describe('options', () => {
    it.each([
      [{ port: 70000 }, 'port'],
      [{ maxMessageSize: 0 }, 'maxMessageSize'],
      [{ pingInterval: -1 }, 'pingInterval'],
      [{ rootPath: 'app' }, 'rootPath'],
      [{ sendHighWaterMark: 10, sendBufferLimit: 5 }, 'sendHighWaterMark'],
      [{ accessLog: 42 }, 'accessLog'],
      [{ connectionBufferLimit: 1024 * 1024 }, 'connectionBufferLimit'],
      [{ idleReaderTimeout: -1 }, 'idleReaderTimeout'],
    ])('rejects %j with ImproperlyConfigured naming the option', async (options, name) => {
      const attempt = serve(holdOpen(), { port: 0, ...(options as object) })
      await expect(attempt).rejects.toThrow(ImproperlyConfigured)
      await expect(attempt).rejects.toThrow(name)
    })

    it('refuses a consumer class given without .asApp(), as path() does', async () => {
      class EchoConsumer extends WebsocketConsumer {}
      const attempt = serve(EchoConsumer as unknown as Application, { port: 0 })
      await expect(attempt).rejects.toThrow(ImproperlyConfigured)
      await expect(attempt).rejects.toThrow('is the class EchoConsumer; pass EchoConsumer.asApp() instead')
    })

    it('rejects an address already in use', async () => {
      const { port } = await startServer(holdOpen())
      await expect(serve(holdOpen(), { port })).rejects.toThrow(/EADDRINUSE/)
    })
  })

  describe('#close', () => {
    it('closes WebSockets with 1001, gives applications their disconnect, and refuses new handshakes', async () => {
      const events: Message[][] = [[], [], [], []]
      let next = 0
      const finished = deferred<void>()
      let done = 0
      const { server, ws } = await startServer(
        async (scope, receive, send) => {
          await holdOpen(events[next++])(scope, receive, send)
          if (++done === 4) finished.resolve()
        },
        { drainWindow: 200 },
      )
      const sockets = await Promise.all(events.map(() => openSocket(`${ws}/`)))
      const closes = sockets.map((socket) => closed(socket))
      const closing = server.close()
      // Handshakes during the drain are refused.
      const late = await openClient(`${ws}/`)
      expect(late.kind === 'rejected' ? late.status : late.kind).toSatisfy((v) => v === 503 || v === 'error')
      for (const close of await Promise.all(closes))
        expect(close).toEqual({ code: 1001, reason: 'Server shutting down' })
      await closing
      await finished.promise
      for (const list of events)
        expect(list.at(-1)).toMatchObject({ type: 'websocket.disconnect', code: 1001 })
    })

    it('is idempotent', async () => {
      const { server } = await startServer(holdOpen())
      await Promise.all([server.close(), server.close()])
      await server.close()
    })
  })

  describe('access log', () => {
    it('writes common log format lines and the WebSocket lifecycle, redacting secrets', async () => {
      const lines: string[] = []
      const { url, ws } = await startServer(holdOpen(), { accessLog: (line) => lines.push(line) })
      await (await fetch(`${url}/page?token=abc&x=1`)).text()
      const socket = await openSocket(`${ws}/chat/?access_token=xyz`)
      socket.close(1000)
      await waitFor(() => lines.some((line) => line.includes('WSDISCONNECT')))
      expect(lines[0]).toMatch(
        /^127\.0\.0\.1:\d+ [0-9a-f]{6}-[0-9a-z]+ - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/page\?token=REDACTED&x=1 HTTP\/1\.1" 200 2$/,
      )
      // Each line carries its connection's id; the socket's three share one.
      const ids = lines.map((line) => line.split(' ')[1])
      expect(new Set(ids.slice(1)).size).toBe(1)
      expect(ids[1]).not.toBe(ids[0])
      expect(lines.slice(1).map((line) => line.replace(/^.*?\] /, ''))).toEqual([
        '"WSCONNECTING /chat/?access_token=REDACTED" - -',
        '"WSCONNECT /chat/?access_token=REDACTED" 101 -',
        '"WSDISCONNECT /chat/?access_token=REDACTED" 1000 -',
      ])
      expect(lines.join('\n')).not.toMatch(/abc|xyz/)
    })

    it('redacts token, access_token and password values, whatever their case', () => {
      expect(redactQuery('a=1&Token=t&password=p&access_token=x&page=2')).toBe(
        'a=1&Token=REDACTED&password=REDACTED&access_token=REDACTED&page=2',
      )
    })

    it('redacts every parameter named like a credential, and keeps ordinary ones', () => {
      const secrets = [
        'csrf_token',
        'refresh_token',
        'id_token',
        'jwt',
        'api_key',
        'apikey',
        'key',
        'client_secret',
      ]
      const more = ['sessionid', 'signature', 'sig', 'ticket', 'code', 'auth', 'X-Amz-Credential']
      const query = [...secrets, ...more].map((name) => `${name}=v`).join('&')
      expect(redactQuery(query)).toBe([...secrets, ...more].map((name) => `${name}=REDACTED`).join('&'))
      const plain = 'room=lobby&page=2&monkey=1&author=ada&keyboard=uk&q=code+review'
      expect(redactQuery(plain)).toBe(plain)
    })
  })
})
