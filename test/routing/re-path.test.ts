import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, RouteNotFound } from '../../src/errors.js'
import { rePath, URLRouter } from '../../src/routing/index.js'
import type { UrlRoute } from '../../src/types.js'
import { recorder, run, websocketScope } from './recorder.js'

async function capture(pattern: RegExp | string, requestPath: string): Promise<UrlRoute | null> {
  const consumer = recorder()
  try {
    await run(URLRouter([rePath(pattern, consumer.app)]), websocketScope(requestPath))
  } catch (error) {
    if (error instanceof RouteNotFound) return null
    throw error
  }
  return consumer.scope.urlRoute ?? null
}

describe('rePath', () => {
  it('turns named groups into kwargs', async () => {
    expect(await capture(/^chat\/(?<room>\w+)\/$/, '/chat/lobby/')).toEqual({
      args: [],
      kwargs: { room: 'lobby' },
    })
  })

  it('turns unnamed groups into args when the pattern has no named group', async () => {
    // The example from the Channels authentication docs.
    expect(await capture('^front(end)/$', '/frontend/')).toEqual({ args: ['end'], kwargs: {} })
    expect(await capture(/^(\d+)\/(\w+)\/$/, '/12/ab/')).toEqual({ args: ['12', 'ab'], kwargs: {} })
  })

  it('passes only the named groups when a pattern has both kinds, as Django does', async () => {
    expect(await capture(/^(room|chat)\/(?<id>\d+)\/$/, '/room/5/')).toEqual({
      args: [],
      kwargs: { id: '5' },
    })
  })

  it('leaves out a named group that took no part in the match', async () => {
    expect(await capture(/^a\/(?:(?<page>\d+)\/)?$/, '/a/')).toEqual({ args: [], kwargs: {} })
  })

  it('accepts the Python (?P<name>...) syntax in a string pattern', async () => {
    expect((await capture('^chat/(?P<room>\\w+)/$', '/chat/lobby/'))?.kwargs).toEqual({ room: 'lobby' })
  })

  it('accepts Python back-references, \\A and \\Z anchors and a leading (?i)', async () => {
    expect((await capture('^(?P<w>\\w+)/(?P=w)/$', '/ab/ab/'))?.kwargs).toEqual({ w: 'ab' })
    expect(await capture('^(?P<w>\\w+)/(?P=w)/$', '/ab/cd/')).toBeNull()
    expect(await capture('\\Achat/\\Z', '/chat/')).not.toBeNull()
    expect(await capture('\\Achat/\\Z', '/chat/x')).toBeNull()
    expect(await capture('(?i)^chat/$', '/CHAT/')).not.toBeNull()
  })

  it('matches the whole path when the pattern ends with $, as Django does', async () => {
    expect(await capture('chat/$', '/xchat/')).toBeNull()
    expect(await capture('chat/$', '/chat/')).not.toBeNull()
  })

  it('searches the path when the pattern has no anchors', async () => {
    expect(await capture('chat/', '/my/chat/room')).not.toBeNull()
  })

  it('ignores the g and y flags, so matching has no state between connections', async () => {
    const consumer = recorder()
    const router = URLRouter([rePath(/^chat\/(?<room>\w+)\/$/gy, consumer.app)])
    await run(router, websocketScope('/chat/a/'))
    await run(router, websocketScope('/chat/b/'))
    expect(consumer.scopes.map((scope) => scope.urlRoute?.kwargs.room)).toEqual(['a', 'b'])
  })

  it('merges default kwargs, which override captured ones', async () => {
    const consumer = recorder()
    await run(
      URLRouter([rePath('^(?P<room>\\w+)/$', consumer.app, { room: 'fixed', extra: true })]),
      websocketScope('/lobby/'),
    )
    expect(consumer.scope.urlRoute?.kwargs).toEqual({ room: 'fixed', extra: true })
  })

  it('throws ImproperlyConfigured for an invalid pattern, keeping the cause', () => {
    const app = recorder().app
    expect(() => rePath('^chat/(', app)).toThrow(ImproperlyConfigured)
    try {
      rePath('^chat/(', app)
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError)
    }
  })

  it('throws ImproperlyConfigured for a Python flag JavaScript lacks', () => {
    expect(() => rePath('(?x)^chat/$', recorder().app)).toThrow(/flag 'x'/)
  })
})
