import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, UnknownScopeType } from '../../src/errors.js'
import { ProtocolTypeRouter } from '../../src/routing/index.js'
import type { Scope } from '../../src/types.js'
import { channelScope, httpScope, recorder, run, websocketScope } from './recorder.js'

describe('ProtocolTypeRouter', () => {
  it('hands each scope to the application for its type', async () => {
    const http = recorder()
    const websocket = recorder()
    const channel = recorder()
    const router = ProtocolTypeRouter({ http: http.app, websocket: websocket.app, channel: channel.app })
    await run(router, httpScope('/'))
    await run(router, websocketScope('/'))
    await run(router, channelScope('worker'))
    expect([http.scope.type, websocket.scope.type, channel.scope.type]).toEqual([
      'http',
      'websocket',
      'channel',
    ])
  })

  it('passes the scope on unchanged', async () => {
    const websocket = recorder()
    const scope = websocketScope('/chat/')
    await run(ProtocolTypeRouter({ websocket: websocket.app }), scope)
    expect(websocket.scope).toBe(scope)
    expect(scope).toEqual(websocketScope('/chat/'))
  })

  it('throws UnknownScopeType for a type without an entry, listing the known types', async () => {
    const router = ProtocolTypeRouter({ http: recorder().app, websocket: recorder().app })
    const error: unknown = await run(router, channelScope('worker')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnknownScopeType)
    expect(error).toMatchObject({ scopeType: 'channel', code: 'CHANNELS_ERR_UNKNOWN_SCOPE_TYPE' })
    expect((error as Error).message).toContain("'channel'")
    expect((error as Error).message).toContain("'http', 'websocket'")
  })

  it('throws UnknownScopeType for a type no tschannels scope has', async () => {
    const router = ProtocolTypeRouter({ http: recorder().app })
    const lifespan = { type: 'lifespan' } as unknown as Scope
    await expect(run(router, lifespan)).rejects.toThrow(UnknownScopeType)
    await expect(run(router, { type: 'constructor' } as unknown as Scope)).rejects.toThrow(UnknownScopeType)
  })

  it('skips entries whose application is undefined', async () => {
    const router = ProtocolTypeRouter({ http: undefined, websocket: recorder().app })
    await expect(run(router, httpScope('/'))).rejects.toThrow(/knows: 'websocket'/)
  })

  it('throws ImproperlyConfigured at build time for an unknown key', () => {
    const mapping = { websockets: recorder().app } as never
    expect(() => ProtocolTypeRouter(mapping)).toThrow(ImproperlyConfigured)
    expect(() => ProtocolTypeRouter(mapping)).toThrow(/'websockets'.*http, websocket, channel/)
  })

  it('throws ImproperlyConfigured at build time for a consumer class passed without asApp()', () => {
    class ChatConsumer {}
    expect(() => ProtocolTypeRouter({ websocket: ChatConsumer as never })).toThrow(/ChatConsumer\.asApp\(\)/)
  })

  it('returns an application named ProtocolTypeRouter, for readable stack traces', () => {
    expect(ProtocolTypeRouter({}).name).toBe('ProtocolTypeRouter')
  })
})
