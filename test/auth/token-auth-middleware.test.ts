import { describe, expect, it } from 'vitest'

import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { TokenAuthMiddleware } from '../../src/auth/token-auth-middleware.js'
import { InMemoryTokenStore } from '../../src/auth/token-store.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

class Whoami extends WebsocketConsumer {
  override async connect() {
    if (this.scope.authError) return this.close(this.scope.authError.closeCode)
    await this.accept()
    await this.send({ text: (await this.scope.user!).username })
  }
}

describe('TokenAuthMiddleware', () => {
  it('authenticates a DRF-style Authorization: Token header', async () => {
    const users = new InMemoryUserStore()
    const tokens = new InMemoryTokenStore()
    const ada = await users.create({ username: 'ada', passwordHash: 'x' })
    const token = await tokens.create(ada.id)
    const app = TokenAuthMiddleware(Whoami.asApp(), { tokens, users })
    const communicator = new WebsocketCommunicator(app, '/', {
      headers: [['authorization', `Token ${token}`]],
    })
    expect((await communicator.connect()).connected).toBe(true)
    expect(await communicator.receiveFrom()).toBe('ada')
    await communicator.disconnect()
  })

  it('closes with 4401 for an unknown, revoked or missing token', async () => {
    const users = new InMemoryUserStore()
    const tokens = new InMemoryTokenStore()
    const ada = await users.create({ username: 'ada', passwordHash: 'x' })
    const token = await tokens.create(ada.id)
    await tokens.deleteForUser(ada.id)
    const app = TokenAuthMiddleware(Whoami.asApp(), { tokens, users })
    for (const headers of [
      [['authorization', `Token ${token}`]],
      [['authorization', 'Token nope']],
      [],
    ] as const) {
      const result = await new WebsocketCommunicator(app, '/', {
        headers: headers.map(([a, b]) => [a, b]),
      }).connect()
      expect(result.closeCode).toBe(4401)
    }
  })
})
