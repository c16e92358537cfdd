import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import express from 'express'
import { describe, expect, it, onTestFinished } from 'vitest'

import { attach, fromNodeHandler } from 'tschannels/server'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { ProtocolTypeRouter, URLRouter, path } from '../../src/routing/index.js'
import type { Application } from '../../src/types.js'
import { closed, nextMessage, openClient, openSocket, startServer } from './helpers.js'

/** A WebSocket echo application, standing in for a consumer. */
const echo: Application = async (_scope, receive, send) => {
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
    else if (event.type === 'websocket.receive')
      await send({ type: 'websocket.send', text: `echo:${(event as { text: string }).text}` })
    else return
  }
}

function expressApi(): express.Express {
  const api = express()
  // 'test' keeps Express's final handler from printing the expected failure.
  api.set('env', 'test')
  api.use(express.json())
  api.get('/api/health', (_req, res) => void res.json({ ok: true }))
  // Only the server's real socket knows the peer's port; the stand-in does not.
  api.get('/api/peer', (req, res) => void res.json({ port: req.socket.remotePort ?? null }))
  api.post('/api/items', (req, res) => void res.status(201).json({ created: req.body as unknown }))
  api.get('/api/boom', () => {
    throw new Error('express failure')
  })
  return api
}

describe('Node HTTP interop', () => {
  it('fromNodeHandler: an Express route and a WebSocket application share a port', async () => {
    const http = fromNodeHandler(expressApi())
    const app: Application = (scope, receive, send) =>
      scope.type === 'http' ? http(scope, receive, send) : echo(scope, receive, send)
    const { url, ws } = await startServer(app)

    const health = await fetch(`${url}/api/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ ok: true })

    const created = await fetch(`${url}/api/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tea' }),
    })
    expect(created.status).toBe(201)
    expect(await created.json()).toEqual({ created: { name: 'tea' } })

    expect((await fetch(`${url}/api/missing`)).status).toBe(404)
    const boom = await fetch(`${url}/api/boom`)
    expect(boom.status).toBe(500)

    const socket = await openSocket(`${ws}/ws/`)
    socket.send('hi')
    expect(await nextMessage(socket)).toBe('echo:hi')
  })

  it('attach: tschannels WebSockets on an existing Express server', async () => {
    const server = createServer(expressApi())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const sockets = attach(server, echo, { drainWindow: 0 })
    onTestFinished(async () => {
      await sockets.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    const { port } = server.address() as AddressInfo

    expect(await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()).toEqual({ ok: true })
    const socket = await openSocket(`ws://127.0.0.1:${port}/ws/`)
    socket.send('there')
    expect(await nextMessage(socket)).toBe('echo:there')
    const close = closed(socket)
    await sockets.close()
    expect((await close).code).toBe(1001)
  })

  it('an Express route and a WebsocketConsumer share a port through ProtocolTypeRouter', async () => {
    class ShoutConsumer extends WebsocketConsumer {
      override async receive({ text }: ReceivedData): Promise<void> {
        await this.send({ text: (text ?? '').toUpperCase() })
      }
    }
    const application = ProtocolTypeRouter({
      http: fromNodeHandler(expressApi()),
      websocket: URLRouter([path('ws/shout/', ShoutConsumer.asApp())]),
    })
    const { url, ws } = await startServer(application)
    expect(await (await fetch(`${url}/api/health`)).json()).toEqual({ ok: true })
    // Through the router's scope copies, Express still gets the real request.
    const peer = (await (await fetch(`${url}/api/peer`)).json()) as { port: number | null }
    expect(peer.port).toBeGreaterThan(0)
    const socket = await openSocket(`${ws}/ws/shout/`)
    socket.send('hello')
    expect(await nextMessage(socket)).toBe('HELLO')
    // An unmatched WebSocket path is a 404 from URLRouter's RouteNotFound.
    expect(await openClient(`${ws}/ws/nowhere/`)).toMatchObject({ kind: 'rejected', status: 404 })
  })
})
