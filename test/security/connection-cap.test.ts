import { describe, expect, it, onTestFinished } from 'vitest'

import { LazyUser } from '../../src/auth/lazy-user.js'
import { AnonymousUser, toUser } from '../../src/auth/user.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { ConnectionCapMiddleware } from '../../src/security/connection-cap-middleware.js'
import { InMemoryConnectionSlots } from '../../src/security/connection-slots.js'
import type { ConnectionSlot, ConnectionSlotStore } from '../../src/security/connection-slots.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application } from '../../src/types.js'

class Echo extends WebsocketConsumer {
  override async receive({ text }: ReceivedData) {
    await this.send({ text: `echo ${text}` })
  }
}

/** In-memory slots that say when one is released, so tests wait for the release, not for time. */
class WatchedSlots implements ConnectionSlotStore {
  readonly inner = new InMemoryConnectionSlots()
  #waiters: Array<() => void> = []

  async acquire(key: string, limit: number): Promise<ConnectionSlot | null> {
    const slot = await this.inner.acquire(key, limit)
    if (slot === null) return null
    return {
      release: async () => {
        await slot.release()
        for (const wake of this.#waiters.splice(0)) wake()
      },
    }
  }

  held(key: string): number {
    return this.inner.held(key)
  }

  /** Resolves once `key` holds `count` slots. */
  async until(key: string, count: number): Promise<void> {
    while (this.held(key) !== count) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  async close(): Promise<void> {}
}

const ADDRESS = 'addr:10.0.0.1'
const at = (address: string) => ({ client: [address, 1000] as [string, number] })

function ada() {
  return LazyUser.of(toUser({ id: 1, username: 'ada', passwordHash: 'x', isActive: true, created: 0 }))
}

/** An application that does `behaviour` once the connection is open, then never returns. */
function stuck(
  behaviour: (send: Parameters<Application>[2], receive: Parameters<Application>[1]) => Promise<void>,
) {
  const app: Application = async (_scope, receive, send) => {
    await receive()
    await send({ type: 'websocket.accept' })
    await behaviour(send, receive)
    await new Promise(() => {})
  }
  return app
}

describe('ConnectionCapMiddleware', () => {
  it('refuses the handshake with 429 over the per-address cap, and lets the address in again after a close', async () => {
    const store = new WatchedSlots()
    const app = ConnectionCapMiddleware(Echo.asApp(), { store, perAddress: 2, perUser: null })
    const open = [
      new WebsocketCommunicator(app, '/', at('10.0.0.1')),
      new WebsocketCommunicator(app, '/', at('10.0.0.1')),
    ]
    for (const c of open) expect((await c.connect()).connected).toBe(true)
    const third = await new WebsocketCommunicator(app, '/', at('10.0.0.1')).connect()
    expect(third.response?.status).toBe(429)
    expect(Buffer.from(third.response!.body).toString()).toBe('Too many connections.')
    expect((await new WebsocketCommunicator(app, '/', at('10.0.0.2')).connect()).connected).toBe(true)
    await open[0]!.disconnect()
    await store.until(ADDRESS, 1)
    const again = new WebsocketCommunicator(app, '/', at('10.0.0.1'))
    expect((await again.connect()).connected).toBe(true)
    await again.sendTo('hi')
    expect(await again.receiveFrom()).toBe('echo hi')
  })

  it('caps the connections of one user across addresses', async () => {
    const app = ConnectionCapMiddleware(Echo.asApp(), { perAddress: null, perUser: 1 })
    const user = ada()
    const first = new WebsocketCommunicator(app, '/', { ...at('10.0.0.1'), scope: { user } })
    expect((await first.connect()).connected).toBe(true)
    const second = await new WebsocketCommunicator(app, '/', { ...at('10.0.0.2'), scope: { user } }).connect()
    expect(second.response?.status).toBe(429)
    // Anonymous connections are not capped per user.
    const anonymous = new WebsocketCommunicator(app, '/', {
      scope: { user: LazyUser.of(new AnonymousUser()) },
    })
    expect((await anonymous.connect()).connected).toBe(true)
  })

  it('gives back the address slot when the user cap refuses', async () => {
    const store = new WatchedSlots()
    const app = ConnectionCapMiddleware(Echo.asApp(), { store, perAddress: 5, perUser: 1 })
    const user = ada()
    expect(
      (await new WebsocketCommunicator(app, '/', { ...at('10.0.0.1'), scope: { user } }).connect()).connected,
    ).toBe(true)
    await new WebsocketCommunicator(app, '/', { ...at('10.0.0.1'), scope: { user } }).connect()
    expect(store.held(ADDRESS)).toBe(1)
  })

  it('accepts and closes with closeCode and a reason a browser can read, when one is set', async () => {
    const app = ConnectionCapMiddleware(Echo.asApp(), { perAddress: 1, perUser: null, closeCode: 4008 })
    expect((await new WebsocketCommunicator(app, '/').connect()).connected).toBe(true)
    const over = new WebsocketCommunicator(app, '/')
    expect((await over.connect()).connected).toBe(true)
    expect(await over.receiveOutput()).toEqual({
      type: 'websocket.close',
      code: 4008,
      reason: 'Too many connections',
    })
  })

  describe('gives the slot back however the connection ends', () => {
    const cases: Array<[string, Application, (c: WebsocketCommunicator) => Promise<void>]> = [
      [
        'the client leaves while the application keeps running',
        stuck(async (_send, receive) => {
          await receive()
        }),
        (c) => c.sendInput({ type: 'websocket.disconnect', code: 1006 }),
      ],
      [
        'the application closes the socket and keeps running',
        stuck(async (send) => {
          await send({ type: 'websocket.close', code: 4000 })
        }),
        async (c) => void (await c.receiveOutput()),
      ],
      [
        'the application throws',
        async (_scope, receive, send) => {
          await receive()
          await send({ type: 'websocket.accept' })
          await receive()
          throw new Error('boom')
        },
        async (c) => {
          await c.sendTo('anything')
          await c.wait().catch(() => undefined)
        },
      ],
    ]
    it.each(cases)('%s', async (_title, inner, end) => {
      const store = new WatchedSlots()
      const app = ConnectionCapMiddleware(inner, { store, perAddress: 1, perUser: null })
      const communicator = new WebsocketCommunicator(app, '/', at('10.0.0.1'))
      expect((await communicator.connect()).connected).toBe(true)
      expect(store.held(ADDRESS)).toBe(1)
      await end(communicator)
      await store.until(ADDRESS, 0)
    })

    it('the application refuses the handshake', async () => {
      const store = new WatchedSlots()
      const refusing: Application = async (_scope, receive, send) => {
        await receive()
        await send({ type: 'websocket.close', code: 1000 })
        await new Promise(() => {})
      }
      const app = ConnectionCapMiddleware(refusing, { store, perAddress: 1, perUser: null })
      expect((await new WebsocketCommunicator(app, '/', at('10.0.0.1')).connect()).closeCode).toBe(1000)
      await store.until(ADDRESS, 0)
    })
  })

  it('passes HTTP through uncounted', async () => {
    const app = ConnectionCapMiddleware(
      async (_scope, receive, send) => {
        await receive()
        await send({ type: 'http.response.start', status: 204 })
        await send({ type: 'http.response.body' })
      },
      { perAddress: 1 },
    )
    for (let i = 0; i < 3; i++)
      expect((await new HttpCommunicator(app, 'GET', '/').getResponse()).status).toBe(204)
  })

  it('warns once when it has a per-user cap but the scope has no user', async () => {
    const warnings: Error[] = []
    const listener = (warning: Error) => void warnings.push(warning)
    process.on('warning', listener)
    onTestFinished(() => void process.off('warning', listener))
    const app = ConnectionCapMiddleware(Echo.asApp(), { perAddress: null })
    for (let i = 0; i < 2; i++)
      expect((await new WebsocketCommunicator(app, '/').connect()).connected).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((w) => (w as { code?: string }).code === 'CHANNELS_WRN_060')).toHaveLength(1)
  })

  it('refuses bad caps and close codes at construction', () => {
    for (const options of [{ perAddress: 0 }, { perUser: 1.5 }, { closeCode: 1008 }, { closeCode: 5000 }]) {
      expect(() => ConnectionCapMiddleware(Echo.asApp(), options), JSON.stringify(options)).toThrow(
        ImproperlyConfigured,
      )
    }
  })
})
