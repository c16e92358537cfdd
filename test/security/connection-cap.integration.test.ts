import { describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { ConnectionCapMiddleware } from '../../src/security/connection-cap-middleware.js'
import { InMemoryConnectionSlots } from '../../src/security/connection-slots.js'
import type { ConnectionSlot, ConnectionSlotStore } from '../../src/security/connection-slots.js'
import { closed, nextMessage, openClient, openSocket, startServer } from '../server/helpers.js'

class Echo extends WebsocketConsumer {
  override async receive({ text }: ReceivedData) {
    await this.send({ text: `echo ${text}` })
  }
}

/** In-memory slots that resolve `released` each time a slot is given back. */
class WatchedSlots implements ConnectionSlotStore {
  readonly #inner = new InMemoryConnectionSlots()
  #waiters: Array<() => void> = []

  async acquire(key: string, limit: number): Promise<ConnectionSlot | null> {
    const slot = await this.#inner.acquire(key, limit)
    return (
      slot && {
        release: async () => {
          await slot.release()
          for (const wake of this.#waiters.splice(0)) wake()
        },
      }
    )
  }

  released(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  async close(): Promise<void> {}
}

describe('ConnectionCapMiddleware over real sockets', () => {
  it('refuses the third socket from one address with 429 and frees a slot when a client drops without a close frame', async () => {
    const store = new WatchedSlots()
    const { ws } = await startServer(
      ConnectionCapMiddleware(Echo.asApp(), { store, perAddress: 2, perUser: null }),
    )
    const first = await openSocket(ws)
    const second = await openSocket(ws)
    const third = await openClient(ws)
    expect(third).toMatchObject({ kind: 'rejected', status: 429 })

    const released = store.released()
    // No close handshake: the TCP connection just ends.
    first.terminate()
    await released
    const fourth = await openSocket(ws)
    fourth.send('still here')
    expect(await nextMessage(fourth)).toBe('echo still here')
    second.send('me too')
    expect(await nextMessage(second)).toBe('echo me too')
  })

  it('closes a socket over the cap with closeCode, so a browser can read why', async () => {
    const { ws } = await startServer(
      ConnectionCapMiddleware(Echo.asApp(), { perAddress: 1, perUser: null, closeCode: 4008 }),
    )
    await openSocket(ws)
    const over = await openSocket(ws)
    expect(await closed(over)).toEqual({ code: 4008, reason: 'Too many connections' })
  })
})
