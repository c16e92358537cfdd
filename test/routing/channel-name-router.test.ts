import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, RouteNotFound } from '../../src/errors.js'
import { ChannelNameRouter } from '../../src/routing/index.js'
import { channelScope, recorder, run, websocketScope } from './recorder.js'

describe('ChannelNameRouter', () => {
  it('hands the scope to the application for its channel', async () => {
    const thumbnails = recorder()
    const mail = recorder()
    const router = ChannelNameRouter({ thumbnails: thumbnails.app, 'mail-send': mail.app })
    const scope = channelScope('mail-send')
    await run(router, scope)
    expect(thumbnails.scopes).toHaveLength(0)
    expect(mail.scope).toBe(scope)
  })

  it('throws RouteNotFound for an unknown channel, naming it and the known channels', async () => {
    const router = ChannelNameRouter({ thumbnails: recorder().app, 'mail-send': recorder().app })
    const error: unknown = await run(router, channelScope('reports')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RouteNotFound)
    expect((error as Error).message).toContain("'reports'")
    expect((error as Error).message).toContain("'thumbnails', 'mail-send'")
  })

  it('finds nothing for channel names that are Object.prototype keys', async () => {
    const router = ChannelNameRouter({ thumbnails: recorder().app })
    await expect(run(router, channelScope('constructor'))).rejects.toThrow(RouteNotFound)
    await expect(run(router, channelScope('__proto__'))).rejects.toThrow(RouteNotFound)
  })

  it('throws ImproperlyConfigured for a scope that is not a channel scope', async () => {
    const router = ChannelNameRouter({ thumbnails: recorder().app })
    await expect(run(router, websocketScope('/'))).rejects.toThrow(ImproperlyConfigured)
  })

  it('throws ImproperlyConfigured at build time for a value that is not an application', () => {
    expect(() => ChannelNameRouter({ thumbnails: 'ThumbnailConsumer' as never })).toThrow(/'thumbnails'/)
  })
})
