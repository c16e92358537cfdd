import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'

import { describe, expect, it } from 'vitest'

import { RouteNotFound } from '../../src/errors.js'
import { ProtocolTypeRouter } from '../../src/routing/protocol-type-router.js'
import type { Application, HttpScope, Message } from '../../src/types.js'
import { deferred, quietLogger, rawExchange, startServer, withoutConnectionIds } from './helpers.js'

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Answers with the JSON of `pick(scope)`. */
function scopeApp(pick: (scope: HttpScope) => unknown): Application {
  return async (scope, _receive, send) => {
    const body = encode(JSON.stringify(pick(scope as HttpScope)))
    await send({ type: 'http.response.start', status: 200, headers: [['content-type', 'application/json']] })
    await send({ type: 'http.response.body', body })
  }
}

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('serve() HTTP', () => {
  it('delivers a chunked request body as http.request events with moreBody', async () => {
    const events: Message[] = []
    const { url } = await startServer(async (_scope, receive, send) => {
      for (;;) {
        const event = await receive()
        events.push(event)
        if (!(event as { moreBody?: boolean }).moreBody) break
      }
      await send({ type: 'http.response.start', status: 204 })
      await send({ type: 'http.response.body' })
    })
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/upload`, { method: 'POST', agent: false }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write('first;')
      setTimeout(() => req.end('second'), 50)
    })
    expect(status).toBe(204)
    const body = events.map((e) => Buffer.from((e as { body: Uint8Array }).body).toString()).join('')
    expect(body).toBe('first;second')
    expect(events.length).toBeGreaterThan(1)
    expect(events.slice(0, -1).every((e) => (e as { moreBody: boolean }).moreBody)).toBe(true)
    expect(events.at(-1)).toMatchObject({ type: 'http.request', moreBody: false })
  })

  it('streams a response sent in several body events', async () => {
    const { url } = await startServer(async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200, headers: [['content-type', 'text/plain']] })
      for (const part of ['a', 'b', 'c'])
        await send({ type: 'http.response.body', body: encode(part), moreBody: true })
      await send({ type: 'http.response.body', body: encode('!') })
    })
    const reply = await get(`${url}/stream`)
    expect(reply).toMatchObject({ status: 200, body: 'abc!' })
    expect(reply.headers['transfer-encoding']).toBe('chunked')
  })

  it('sends http.disconnect after the response is complete', async () => {
    const after = deferred<Message>()
    const { url } = await startServer(async (_scope, receive, send) => {
      await receive()
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: encode('done') })
      after.resolve(await receive())
    })
    expect((await get(url)).body).toBe('done')
    expect(await after.promise).toEqual({ type: 'http.disconnect' })
  })

  it('sends http.disconnect when the client goes away mid-request', async () => {
    const after = deferred<Message>()
    const { port } = await startServer(async (_scope, receive) => {
      await receive()
      after.resolve(await receive())
    })
    void rawExchange(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', 50)
    expect(await after.promise).toEqual({ type: 'http.disconnect' })
  })

  it('keeps the connection alive between requests', async () => {
    const { port } = await startServer(scopeApp((scope) => scope.path))
    const answer = await rawExchange(
      port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n',
      300,
    )
    expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
    expect(answer).toContain('"/a"')
    expect(answer).toContain('"/b"')
  })

  it('answers 400 to a header value with \\x0b, before the application', async () => {
    let called = false
    const { port } = await startServer(async () => {
      called = true
    })
    const answer = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x0bb\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(called).toBe(false)
  })

  it('answers 400 to an invalid header name and to a non-ASCII path', async () => {
    const { port } = await startServer(async () => {})
    expect(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad(Name: 1\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 /,
    )
    expect(await rawExchange(port, 'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 /,
    )
  })

  it('keeps %2F in rawPath and decodes it in path', async () => {
    const { url } = await startServer(scopeApp((scope) => [scope.path, scope.rawPath, scope.queryString]))
    const reply = await get(`${url}/files/a%2Fb%20c?x=1&y=%20`)
    expect(JSON.parse(reply.body)).toEqual(['/files/a/b c', '/files/a%2Fb%20c', 'x=1&y=%20'])
  })

  it('lower-cases header names, trims values and keeps their order', async () => {
    const { port } = await startServer(scopeApp((scope) => scope.headers))
    const answer = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: x\r\nX-One:   1  \r\nX-One: 2\r\nConnection: close\r\n\r\n',
    )
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4)
    expect(JSON.parse(body)).toEqual([
      ['host', 'x'],
      ['x-one', '1'],
      ['x-one', '2'],
      ['connection', 'close'],
    ])
  })

  it('strips rootPath from path and reports it', async () => {
    const { url } = await startServer(
      scopeApp((scope) => [scope.rootPath, scope.path]),
      { rootPath: '/app' },
    )
    expect(JSON.parse((await get(`${url}/app/x`)).body)).toEqual(['/app', '/x'])
    expect(JSON.parse((await get(`${url}/application`)).body)).toEqual(['/app', '/application'])
  })

  it('fills client and server from the socket', async () => {
    const { url, port } = await startServer(scopeApp((scope) => [scope.client, scope.server, scope.scheme]))
    const [client, server, scheme] = JSON.parse((await get(url)).body) as [
      [string, number],
      [string, number],
      string,
    ]
    expect(client[0]).toBe('127.0.0.1')
    expect(client[1]).toBeGreaterThan(0)
    expect(server).toEqual(['127.0.0.1', port])
    expect(scheme).toBe('http')
  })

  it('fills client and scheme from proxy headers only when proxyHeaders is on', async () => {
    const headers = {
      'x-forwarded-for': '203.0.113.9, 198.51.100.7',
      'x-forwarded-port': '4433',
      'x-forwarded-proto': 'https',
    }
    const pick = scopeApp((scope) => [scope.client, scope.scheme])
    const off = await startServer(pick)
    const [offClient, offScheme] = JSON.parse((await get(off.url, headers)).body) as [
      [string, number],
      string,
    ]
    expect(offClient[0]).toBe('127.0.0.1')
    expect(offScheme).toBe('http')
    const on = await startServer(pick, { proxyHeaders: true })
    expect(JSON.parse((await get(on.url, headers)).body)).toEqual([['198.51.100.7', 4433], 'https'])
  })

  it('answers 500 without a stack trace when the application fails before responding', async () => {
    const logger = quietLogger()
    const { url } = await startServer(
      async () => {
        throw new Error('database password is hunter2')
      },
      { logger },
    )
    const reply = await get(url)
    expect(reply.status).toBe(500)
    expect(reply.body).not.toContain('hunter2')
    expect(reply.body).not.toContain('at ')
    expect(logger.lines.some((line) => line.startsWith('error'))).toBe(true)
  })

  it('answers 404 when the application throws RouteNotFound', async () => {
    const { url } = await startServer(async () => {
      throw new RouteNotFound('No route found for path.')
    })
    expect((await get(`${url}/missing`)).status).toBe(404)
  })

  it('answers 503 when the application never starts a response', async () => {
    const logger = quietLogger()
    const { url } = await startServer(async () => new Promise<void>(() => {}), {
      httpResponseTimeout: 100,
      logger,
    })
    expect((await get(url)).status).toBe(503)
  })

  it('answers 500 when the application sends an invalid response header', async () => {
    const logger = quietLogger()
    const { url } = await startServer(
      async (_scope, _receive, send) => {
        await send({ type: 'http.response.start', status: 200, headers: [['x-evil', 'a\r\nInjected: 1']] })
      },
      { logger },
    )
    const reply = await get(url)
    expect(reply.status).toBe(500)
    expect(reply.headers['injected']).toBeUndefined()
  })

  it('answers an HTTP request to a WebSocket-only application with 404 and one log line', async () => {
    const logger = quietLogger()
    const app = ProtocolTypeRouter({ websocket: async () => {} })
    const { url } = await startServer(app, { logger })
    const reply = await get(`${url}/favicon.ico`)
    expect(reply.status).toBe(404)
    expect(withoutConnectionIds(logger.lines)).toEqual([
      "warn: GET /favicon.ico: No application configured for scope type 'http'. ProtocolTypeRouter knows: " +
        "'websocket'; add a 'http' entry to route it. Answered 404.",
    ])
  })
})
