import { describe, expect, it } from 'vitest'

import { LazyUser } from '../../src/auth/lazy-user.js'
import { toUser } from '../../src/auth/user.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { InMemoryRateLimitStore } from '../../src/security/memory-rate-limit-store.js'
import { RateLimitMiddleware } from '../../src/security/rate-limit-middleware.js'
import type { RateLimitOptions } from '../../src/security/rate-limit-middleware.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

class Echo extends WebsocketConsumer {
  override async receive({ text }: ReceivedData) {
    await this.send({ text: `echo ${text}` })
  }
}

const off: RateLimitOptions = {
  connectionRate: null,
  connectionsPerAddress: null,
  connectionsPerUser: null,
  messages: null,
}

describe('RateLimitMiddleware', () => {
  it('closes a flooding client with 4429 while another client is unaffected', async () => {
    const app = RateLimitMiddleware(Echo.asApp(), { ...off, messages: { capacity: 5, refillPerSecond: 0 } })
    const flooder = new WebsocketCommunicator(app, '/', { client: ['10.0.0.1', 1000] })
    const polite = new WebsocketCommunicator(app, '/', { client: ['10.0.0.2', 1000] })
    await flooder.connect()
    await polite.connect()
    for (let i = 0; i < 5; i++) {
      await flooder.sendTo(`m${i}`)
      expect(await flooder.receiveFrom()).toBe(`echo m${i}`)
    }
    await flooder.sendTo('one too many')
    expect(await flooder.receiveOutput()).toMatchObject({ type: 'websocket.close', code: 4429 })
    await flooder.wait()
    await polite.sendTo('hello')
    expect(await polite.receiveFrom()).toBe('echo hello')
    await polite.disconnect()
  })

  it('names in its 4429 reason when a full bucket has refilled, for the client to wait', async () => {
    const app = RateLimitMiddleware(Echo.asApp(), { ...off, messages: { capacity: 2, refillPerSecond: 0.5 } })
    const flooder = new WebsocketCommunicator(app, '/', { client: ['10.0.0.1', 1000] })
    await flooder.connect()
    for (let i = 0; i < 3; i++) await flooder.sendTo(`m${i}`)
    const outputs = [
      await flooder.receiveOutput(),
      await flooder.receiveOutput(),
      await flooder.receiveOutput(),
    ]
    expect(outputs.at(-1)).toMatchObject({
      type: 'websocket.close',
      code: 4429,
      reason: 'Rate limit exceeded; retry-after=4',
    })
    await flooder.wait()
  })

  it('refuses the handshake with 429 over the per-address connection limit', async () => {
    const app = RateLimitMiddleware(Echo.asApp(), { ...off, connectionsPerAddress: 2 })
    const open = [new WebsocketCommunicator(app, '/'), new WebsocketCommunicator(app, '/')]
    for (const c of open) expect((await c.connect()).connected).toBe(true)
    const third = await new WebsocketCommunicator(app, '/').connect()
    expect(third.response?.status).toBe(429)
    // A cap has no time after which a slot is sure to be free: no Retry-After.
    expect(third.response?.headers.map(([name]) => name)).not.toContain('retry-after')
    expect((await new WebsocketCommunicator(app, '/', { client: ['10.9.9.9', 1] }).connect()).connected).toBe(
      true,
    )
    await open[0]!.disconnect()
    const again = new WebsocketCommunicator(app, '/')
    expect((await again.connect()).connected).toBe(true)
  })

  it('limits open connections per authenticated user across addresses', async () => {
    const ada = toUser({ id: 1, username: 'ada', passwordHash: 'x', isActive: true, created: Date.now() })
    const app = RateLimitMiddleware(Echo.asApp(), { ...off, connectionsPerUser: 1 })
    const scope = { user: LazyUser.of(ada) }
    const first = new WebsocketCommunicator(app, '/', { client: ['10.0.0.1', 1], scope })
    expect((await first.connect()).connected).toBe(true)
    const second = await new WebsocketCommunicator(app, '/', { client: ['10.0.0.2', 1], scope }).connect()
    expect(second.response?.status).toBe(429)
    await first.disconnect()
  })

  it('limits the rate of new connections and HTTP requests per address', async () => {
    const store = new InMemoryRateLimitStore()
    const app = RateLimitMiddleware(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'http.response.start', status: 200 })
        await send({ type: 'http.response.body' })
      },
      { ...off, store, connectionRate: { capacity: 2, refillPerSecond: 0.001 } },
    )
    expect((await new HttpCommunicator(app, 'GET', '/').getResponse()).status).toBe(200)
    expect((await new HttpCommunicator(app, 'GET', '/').getResponse()).status).toBe(200)
    const refused = await new HttpCommunicator(app, 'GET', '/').getResponse()
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.find(([name]) => name === 'retry-after')?.[1])).toBeGreaterThan(1)
    await store.close()
  })

  it('refuses bad limits at construction', () => {
    expect(() => RateLimitMiddleware(Echo.asApp(), { connectionsPerAddress: 0 })).toThrow(
      ImproperlyConfigured,
    )
    expect(() =>
      RateLimitMiddleware(Echo.asApp(), { messages: { capacity: -1, refillPerSecond: 1 } }),
    ).toThrow(ImproperlyConfigured)
  })
})

describe('InMemoryRateLimitStore', () => {
  it('refills a token bucket over time', async () => {
    const store = new InMemoryRateLimitStore()
    const bucket = { capacity: 1, refillPerSecond: 20 }
    expect((await store.take('k', bucket)).allowed).toBe(true)
    const refused = await store.take('k', bucket)
    expect(refused.allowed).toBe(false)
    expect(refused.retryAfterMs).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect((await store.take('k', bucket)).allowed).toBe(true)
    await store.close()
  })
})
