import express from 'express'
import { describe, expect, it } from 'vitest'

import { fromNodeHandler } from 'tschannels/server'

import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import type { HttpScope, Message } from '../../src/types.js'

function expressApi(): express.Express {
  const api = express()
  api.set('env', 'test')
  api.use(express.json())
  api.post('/api/items', (req, res) => void res.status(201).json({ created: req.body as unknown }))
  api.get('/api/stream', (_req, res) => {
    res.write('one,')
    res.end('two')
  })
  return api
}

const scope = (method: string, path: string, headers: HttpScope['headers'] = []): HttpScope => ({
  type: 'http',
  method,
  httpVersion: '1.1',
  scheme: 'http',
  path,
  rawPath: path,
  queryString: '',
  rootPath: '',
  headers,
  client: null,
  server: null,
})

describe('fromNodeHandler', () => {
  it('runs an Express app over plain events when no server is underneath', async () => {
    const incoming: Message[] = [
      { type: 'http.request', body: new TextEncoder().encode('{"name":"cup"}'), moreBody: false },
    ]
    const sent: Message[] = []
    await fromNodeHandler(expressApi())(
      scope('POST', '/api/items', [
        ['content-type', 'application/json'],
        ['content-length', '14'],
      ]),
      async () => incoming.shift() ?? new Promise<Message>(() => {}),
      async (message) => void sent.push(message),
    )
    expect(sent[0]).toMatchObject({ type: 'http.response.start', status: 201 })
    const headers = (sent[0] as { headers: ReadonlyArray<readonly [string, string]> }).headers
    expect(headers).toContainEqual(['content-type', 'application/json; charset=utf-8'])
    expect(headers.some(([name]) => name === 'connection' || name === 'transfer-encoding')).toBe(false)
    const body = sent.slice(1).map((m) => Buffer.from((m as { body: Uint8Array }).body).toString())
    expect(JSON.parse(body.join(''))).toEqual({ created: { name: 'cup' } })
    expect(sent.at(-1)).toMatchObject({ type: 'http.response.body', moreBody: false })
  })

  it('works under HttpCommunicator, streaming included', async () => {
    const communicator = new HttpCommunicator(fromNodeHandler(expressApi()), 'GET', '/api/stream')
    const response = await communicator.getResponse()
    expect(response.status).toBe(200)
    expect(response.text).toBe('one,two')
  })

  it('refuses non-HTTP scopes', async () => {
    const app = fromNodeHandler(() => {})
    await expect(
      app(
        { ...scope('GET', '/'), type: 'websocket', subprotocols: [] } as never,
        async () => ({ type: 'x' }),
        async () => {},
      ),
    ).rejects.toThrow(/'http' scopes only/)
  })
})
