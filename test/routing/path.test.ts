import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, RouteNotFound } from '../../src/errors.js'
import { path, URLRouter } from '../../src/routing/index.js'
import type { UrlRoute } from '../../src/types.js'
import { recorder, run, websocketScope } from './recorder.js'

/** Routes `requestPath` through a one-route router and returns what it captured, or null on no match. */
async function capture(route: string, requestPath: string): Promise<UrlRoute | null> {
  const consumer = recorder()
  const router = URLRouter([path(route, consumer.app)])
  try {
    await run(router, websocketScope(requestPath))
  } catch (error) {
    if (error instanceof RouteNotFound) return null
    throw error
  }
  return consumer.scope.urlRoute ?? null
}

describe('path', () => {
  describe('converters', () => {
    it('str matches one segment without a slash', async () => {
      expect(await capture('rooms/<str:name>/', '/rooms/lobby/')).toEqual({
        args: [],
        kwargs: { name: 'lobby' },
      })
      expect(await capture('rooms/<str:name>/', '/rooms/a/b/')).toBeNull()
    })

    it('treats a parameter without a converter as str', async () => {
      expect(await capture('rooms/<name>/', '/rooms/lobby/')).toEqual({ args: [], kwargs: { name: 'lobby' } })
      expect(await capture('rooms/<name>/', '/rooms/a/b/')).toBeNull()
    })

    it('int matches digits and turns them into a number', async () => {
      const matched = await capture('rooms/<int:id>/', '/rooms/42/')
      expect(matched?.kwargs).toEqual({ id: 42 })
      expect(typeof matched?.kwargs.id).toBe('number')
      expect(await capture('rooms/<int:id>/', '/rooms/4x/')).toBeNull()
      expect(await capture('rooms/<int:id>/', '/rooms/-1/')).toBeNull()
    })

    it('int does not match a number too large to be exact', async () => {
      expect(await capture('rooms/<int:id>/', '/rooms/9007199254740993/')).toBeNull()
    })

    it('slug matches letters, digits, hyphens and underscores', async () => {
      expect((await capture('<slug:s>/', '/my-room_2/'))?.kwargs).toEqual({ s: 'my-room_2' })
      expect(await capture('<slug:s>/', '/my room/')).toBeNull()
      expect(await capture('<slug:s>/', '/caf\u00e9/')).toBeNull()
    })

    it('uuid matches a lower-case UUID and keeps it a string', async () => {
      const id = '075194d3-6885-417e-a8a8-6c931e272f00'
      expect((await capture('<uuid:id>/', `/${id}/`))?.kwargs).toEqual({ id })
    })

    it('uuid rejects text that is not a UUID', async () => {
      expect(await capture('<uuid:id>/', '/not-a-uuid/')).toBeNull()
      expect(await capture('<uuid:id>/', '/075194d3-6885-417e-a8a8-6c931e272f0/')).toBeNull()
      expect(await capture('<uuid:id>/', '/075194D3-6885-417E-A8A8-6C931E272F00/')).toBeNull()
    })

    it('path matches text containing slashes', async () => {
      expect((await capture('files/<path:rest>', '/files/a/b/c.txt'))?.kwargs).toEqual({ rest: 'a/b/c.txt' })
      expect(await capture('files/<path:rest>', '/files/')).toBeNull()
    })

    it('captures several parameters at once', async () => {
      expect((await capture('<slug:room>/<int:page>/', '/lobby/3/'))?.kwargs).toEqual({
        room: 'lobby',
        page: 3,
      })
    })
  })

  describe('matching', () => {
    it('matches the whole path, not a prefix, when the app is not a router', async () => {
      expect(await capture('chat/', '/chat/')).not.toBeNull()
      expect(await capture('chat/', '/chat/extra/')).toBeNull()
      expect(await capture('chat/<int:id>/', '/chat/1/extra/')).toBeNull()
    })

    it('treats regular-expression characters in the route as literal text', async () => {
      expect(await capture('a.b/', '/a.b/')).not.toBeNull()
      expect(await capture('a.b/', '/axb/')).toBeNull()
      expect(await capture('v1.<int:n>/', '/v1x2/')).toBeNull()
    })

    it('matches the empty route against the root path', async () => {
      expect(await capture('', '/')).toEqual({ args: [], kwargs: {} })
    })
  })

  describe('default kwargs', () => {
    it('adds them to every match', async () => {
      const consumer = recorder()
      await run(
        URLRouter([path('rooms/<int:id>/', consumer.app, { mode: 'read' })]),
        websocketScope('/rooms/7/'),
      )
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ id: 7, mode: 'read' })
    })

    it('override captured kwargs of the same name, as in Django', async () => {
      const consumer = recorder()
      await run(URLRouter([path('rooms/<int:id>/', consumer.app, { id: 1 })]), websocketScope('/rooms/7/'))
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ id: 1 })
    })

    it('are copied, so a consumer changing them does not affect the next connection', async () => {
      const defaults = { mode: 'read' }
      const consumer = recorder()
      const router = URLRouter([path('x/', consumer.app, defaults)])
      await run(router, websocketScope('/x/'))
      ;(consumer.scopes[0]?.urlRoute?.kwargs as Record<string, unknown>).mode = 'changed'
      await run(router, websocketScope('/x/'))
      expect(consumer.scopes[1]?.urlRoute?.kwargs).toEqual({ mode: 'read' })
    })
  })

  it('gives every connection without positional captures the same frozen empty args', async () => {
    const consumer = recorder()
    const router = URLRouter([path('rooms/<name>/', consumer.app)])
    await run(router, websocketScope('/rooms/a/'))
    await run(router, websocketScope('/rooms/b/'))
    const [first, second] = consumer.scopes.map((scope) => scope.urlRoute!)
    expect(first!.args).toBe(second!.args)
    expect(first!.args).toEqual([])
    expect(Object.isFrozen(first!.args)).toBe(true)
    expect(first!.kwargs).not.toBe(second!.kwargs)
  })

  describe('malformed routes', () => {
    const app = recorder().app
    const build = (route: string) => () => path(route, app)

    it('throws ImproperlyConfigured for an unknown converter, naming the known ones', () => {
      expect(build('rooms/<float:x>/')).toThrow(ImproperlyConfigured)
      expect(build('rooms/<float:x>/')).toThrow(/unknown converter 'float'.*str, int, slug, uuid, path/)
    })

    it('throws ImproperlyConfigured for a route starting with a slash', () => {
      expect(build('/chat/')).toThrow(/Write 'chat\/'/)
    })

    it('throws ImproperlyConfigured for a parameter name that is not an identifier', () => {
      expect(build('<int:room id>/')).toThrow(ImproperlyConfigured)
      expect(build('<int:1st>/')).toThrow(ImproperlyConfigured)
      expect(build('<__proto__>/')).toThrow(ImproperlyConfigured)
    })

    it('throws ImproperlyConfigured for a parameter name used twice', () => {
      expect(build('<a>/<a>/')).toThrow(/twice/)
    })

    it('throws ImproperlyConfigured for an unmatched angle bracket', () => {
      expect(build('rooms/<id/')).toThrow(ImproperlyConfigured)
      expect(build('rooms/id>/')).toThrow(ImproperlyConfigured)
    })

    it('throws ImproperlyConfigured when given a class instead of an application', () => {
      class ChatConsumer {}
      expect(() => path('chat/', ChatConsumer as never)).toThrow(/ChatConsumer\.asApp\(\)/)
      expect(() => path('chat/', undefined as never)).toThrow(ImproperlyConfigured)
    })
  })
})
