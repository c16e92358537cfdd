import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { WebSocket } from 'ws'
import { describe, expect, it, onTestFinished } from 'vitest'

import { ServerMetrics, serveMetrics } from 'tschannels/metrics'
import { attach } from 'tschannels/server'
import type { StatusSnapshot } from 'tschannels/metrics'

import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { TokenAuthMiddleware } from '../../src/auth/token-auth-middleware.js'
import { InMemoryTokenStore } from '../../src/auth/token-store.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { ChannelFull } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { ProtocolTypeRouter } from '../../src/routing/protocol-type-router.js'
import { path } from '../../src/routing/route.js'
import { URLRouter } from '../../src/routing/url-router.js'
import type { LayerMessage } from '../../src/types.js'
import { closed, nextMessage, openClient, openSocket, startServer } from './helpers.js'
import { parseExposition } from './prometheus-text.js'

const TOKEN = 'a-status-token-long-enough'

class Room extends WebsocketConsumer {
  static override groups = ['room']
  override async receive({ text }: ReceivedData): Promise<void> {
    if (text === 'boom') throw new Error('a handler failed')
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: text ?? '' })
  }
  async chatMessage(message: LayerMessage): Promise<void> {
    await this.send({ text: String(message.text) })
  }
}

const application = ProtocolTypeRouter({
  websocket: URLRouter([path('ws/room/<str:name>/', Room.asApp())]),
  http: URLRouter([
    path('hello/', async (_scope, _receive, send) => {
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: new TextEncoder().encode('hi') })
    }),
  ]),
})

async function startMeasured() {
  // Registered first, so it runs after the server has closed.
  onTestFinished(() => resetChannelLayers())
  const metrics = new ServerMetrics()
  const served = await startServer(application, { metrics, healthPath: '/healthz' })
  const port = await serveMetrics(metrics, { port: 0, statusToken: TOKEN })
  onTestFinished(() => port.close())
  const base = `http://127.0.0.1:${port.address().port}`
  const scrape = async () => parseExposition(await (await fetch(`${base}/metrics`)).text())
  return { ...served, metrics, base, scrape }
}

/** Collects `count` messages on `socket`. */
function messages(socket: WebSocket, count: number): Promise<string[]> {
  const seen: string[] = []
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      seen.push(data.toString())
      if (seen.length === count) {
        socket.off('message', onMessage)
        resolve(seen)
      }
    }
    socket.on('message', onMessage)
  })
}

describe('metrics', () => {
  it('counts connections, messages, bytes, closes and layer calls after known traffic', async () => {
    configureChannelLayers({
      default: new InMemoryChannelLayer(),
      tiny: new InMemoryChannelLayer({ capacity: 1 }),
    })
    const { ws, url, scrape } = await startMeasured()
    const alice = await openSocket(`${ws}/ws/room/lobby/`)
    const bob = await openSocket(`${ws}/ws/room/lobby/`)
    expect(await openClient(`${ws}/nowhere/`)).toMatchObject({ kind: 'rejected', status: 404 })
    const aliceGets = messages(alice, 3)
    const bobGets = messages(bob, 3)
    for (const text of ['one', 'two', 'three']) alice.send(text)
    expect(await aliceGets).toEqual(['one', 'two', 'three'])
    expect(await bobGets).toEqual(['one', 'two', 'three'])
    expect(await (await fetch(`${url}/hello/`)).text()).toBe('hi')
    const tiny = getChannelLayer('tiny')!
    await tiny.send('inbox', { type: 'note' })
    await expect(tiny.send('inbox', { type: 'note' })).rejects.toBeInstanceOf(ChannelFull)

    let m = await scrape()
    const route = { protocol: 'websocket', route: '/ws/room/<str:name>/' }
    expect(m.value('tschannels_open_connections', route)).toBe(2)
    expect(m.value('tschannels_websocket_connections_total', { route: route.route })).toBe(2)
    expect(m.value('tschannels_websocket_handshakes_total', { status: '101' })).toBe(2)
    expect(m.value('tschannels_websocket_handshakes_total', { status: '404' })).toBe(1)
    expect(m.value('tschannels_messages_received_total')).toBe(3)
    expect(m.value('tschannels_received_bytes_total')).toBe('onetwothree'.length)
    expect(m.value('tschannels_messages_sent_total')).toBe(6)
    expect(m.value('tschannels_sent_bytes_total')).toBe(2 * 'onetwothree'.length)
    expect(m.value('tschannels_http_responses_total', { route: '/hello/', status: '200' })).toBe(1)
    const layer = (method: string, outcome = 'ok', alias = 'default') =>
      m.value('tschannels_layer_calls_total', { alias, method, outcome })
    expect(layer('groupAdd')).toBe(2)
    expect(layer('groupSend')).toBe(3)
    expect(layer('send', 'ok', 'tiny')).toBe(1)
    expect(layer('send', 'channel_full', 'tiny')).toBe(1)
    expect(
      m.value('tschannels_layer_call_duration_seconds_count', { alias: 'default', method: 'groupSend' }),
    ).toBe(3)
    expect(m.value('tschannels_layer_messages_received_total')).toBe(6)
    expect(m.value('tschannels_layer_groups', { alias: 'default' })).toBe(1)
    expect(m.value('tschannels_layer_group_members', { alias: 'default' })).toBe(2)
    // prom-client's default metrics come along, event-loop lag among them.
    expect(m.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)

    const bobClosed = closed(bob)
    bob.close(1000)
    await bobClosed
    alice.send('boom')
    expect((await closed(alice)).code).toBe(1011)
    await expect.poll(async () => (await scrape()).value('tschannels_open_connections', route)).toBe(0)
    m = await scrape()
    expect(m.value('tschannels_websocket_closes_total', { code: '1000' })).toBe(1)
    expect(m.value('tschannels_websocket_closes_total', { code: '1011' })).toBe(1)
    expect(m.value('tschannels_application_errors_total', { protocol: 'websocket' })).toBe(1)
    await expect
      .poll(async () => (await scrape()).value('tschannels_layer_group_members', { alias: 'default' }))
      .toBe(0)
  })

  it('never labels a metric with a channel, group or user', async () => {
    configureChannelLayers({ default: new InMemoryChannelLayer() })
    const { ws, scrape } = await startMeasured()
    const sockets = await Promise.all(
      ['a', 'b', 'c'].map((room) => openSocket(`${ws}/ws/room/${room}-secret-room/`)),
    )
    const echoes = sockets.map((socket) => nextMessage(socket))
    sockets[0]!.send('hello')
    await Promise.all(echoes)
    const exposition = await scrape()
    const values = exposition.samples.flatMap((sample) => Object.values(sample.labels))
    expect(values.join(' ')).not.toMatch(/secret-room|specific\.|room\b(?!\/)/)
    expect(new Set(values.filter((value) => value.startsWith('/ws/')))).toEqual(
      new Set(['/ws/room/<str:name>/']),
    )
  })

  it('serves the status snapshot only with the token, with groups and their member counts', async () => {
    configureChannelLayers({ default: new InMemoryChannelLayer() })
    const { ws, base } = await startMeasured()
    await openSocket(`${ws}/ws/room/lobby/`)
    await openSocket(`${ws}/ws/room/lobby/`)
    expect((await fetch(`${base}/status/data`)).status).toBe(401)
    expect((await fetch(`${base}/status/data`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    )
    const response = await fetch(`${base}/status/data`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.status).toBe(200)
    const snapshot = (await response.json()) as StatusSnapshot
    expect(snapshot).toMatchObject({ processes: 1, websockets: 2, groups: [{ name: 'room', members: 2 }] })
    expect(snapshot.layers).toMatchObject([{ alias: 'default', reachable: true, subscriptions: null }])
    const page = await fetch(`${base}/status`)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await page.text()).not.toContain(TOKEN)
  })

  it('leaves the layers alone once the server is closed', async () => {
    const layer = new InMemoryChannelLayer()
    configureChannelLayers({ default: layer })
    const { server } = await startMeasured()
    expect(getChannelLayer()).not.toBe(layer)
    expect(getChannelLayer()).toBeInstanceOf(InMemoryChannelLayer)
    await server.close()
    expect(getChannelLayer()).toBe(layer)
  })
})

describe('metrics of authentication and rate limits', () => {
  class Whoami extends WebsocketConsumer {
    override async connect(): Promise<void> {
      if (this.scope.authError) return this.close(this.scope.authError.closeCode)
      await this.accept()
    }
  }

  it('counts authenticated, anonymous and refused connections', async () => {
    const users = new InMemoryUserStore()
    const tokens = new InMemoryTokenStore()
    const ada = await users.create({ username: 'ada', passwordHash: 'x' })
    const token = await tokens.create(ada.id)
    const metrics = new ServerMetrics()
    const { ws } = await startServer(TokenAuthMiddleware(Whoami.asApp(), { tokens, users }), { metrics })
    await openSocket(`${ws}/`, [], { headers: { authorization: `Token ${token}` } })
    expect(await openClient(`${ws}/`, [], { headers: { authorization: 'Token forged' } })).toMatchObject({
      status: 403,
    })
    expect(await openClient(`${ws}/`)).toMatchObject({ status: 403 })
    const m = parseExposition(await metrics.registry.metrics())
    expect(m.value('tschannels_auth_total', { outcome: 'authenticated' })).toBe(1)
    // No token at all: anonymous, and then refused by the consumer's 4401.
    expect(m.value('tschannels_auth_total', { outcome: 'anonymous' })).toBe(1)
    expect(m.value('tschannels_auth_total', { outcome: 'refused' })).toBe(2)
  })

  it('labels a client’s own close codes only when the protocol defines them, and never counts them as refusals', async () => {
    const { ws, scrape } = await startMeasured()
    const route = { protocol: 'websocket', route: '/ws/room/<str:name>/' }
    const codes = [4401, 4429, 4999, 3001, 1000]
    for (const code of codes) {
      const socket = await openSocket(`${ws}/ws/room/lobby/`)
      socket.close(code)
      await closed(socket)
    }
    await expect.poll(async () => (await scrape()).value('tschannels_open_connections', route)).toBe(0)
    const m = await scrape()
    expect(m.value('tschannels_websocket_closes_total', { code: 'client_other' })).toBe(4)
    expect(m.value('tschannels_websocket_closes_total', { code: '1000' })).toBe(1)
    for (const code of ['4401', '4429', '4999', '3001']) {
      expect(m.value('tschannels_websocket_closes_total', { code })).toBeUndefined()
    }
    expect(m.value('tschannels_rate_limited_total', { kind: 'message' }) ?? 0).toBe(0)
    expect(m.value('tschannels_auth_total', { outcome: 'refused' }) ?? 0).toBe(0)
  })

  it('counts 429 handshakes and 4429 closes as rate-limit refusals', () => {
    const metrics = new ServerMetrics({ runtimeMetrics: false })
    metrics.handshake(429)
    metrics.websocketOpened('/ws/')
    metrics.websocketClosed('/ws/', 4429, true)
    return metrics.registry.metrics().then((text) => {
      const m = parseExposition(text)
      expect(m.value('tschannels_rate_limited_total', { kind: 'handshake' })).toBe(1)
      expect(m.value('tschannels_rate_limited_total', { kind: 'message' })).toBe(1)
      expect(m.value('tschannels_websocket_closes_total', { code: '4429' })).toBe(1)
    })
  })
})

describe('metrics with attach()', () => {
  it('counts the WebSockets of a server it is attached to, and measures the layers until closed', async () => {
    onTestFinished(() => resetChannelLayers())
    const layer = new InMemoryChannelLayer()
    configureChannelLayers({ default: layer })
    const httpServer = createServer()
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => void httpServer.close())
    const metrics = new ServerMetrics({ runtimeMetrics: false })
    const handle = attach(httpServer, application, { metrics, drainWindow: 0 })
    const { port } = httpServer.address() as AddressInfo
    const socket = await openSocket(`ws://127.0.0.1:${port}/ws/room/lobby/`)
    const echo = nextMessage(socket)
    socket.send('hi')
    expect(await echo).toBe('hi')
    const m = parseExposition(await metrics.registry.metrics())
    expect(
      m.value('tschannels_open_connections', { protocol: 'websocket', route: '/ws/room/<str:name>/' }),
    ).toBe(1)
    expect(
      m.value('tschannels_layer_calls_total', { alias: 'default', method: 'groupSend', outcome: 'ok' }),
    ).toBe(1)
    await handle.close()
    expect(getChannelLayer()).toBe(layer)
  })
})
