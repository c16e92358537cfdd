import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, RouteNotFound } from '../../src/errors.js'
import { path, rePath, URLRouter } from '../../src/routing/index.js'
import type { Route } from '../../src/routing/index.js'
import type { Application, Scope } from '../../src/types.js'
import { channelScope, httpScope, receive, recorder, run, send, websocketScope } from './recorder.js'

/** A pass-through middleware that copies the scope, as all middleware must. */
const passThrough =
  (inner: Application): Application =>
  async (scope, rcv, snd) =>
    inner({ ...scope }, rcv, snd)

describe('URLRouter', () => {
  describe('matching', () => {
    it('hands the connection to the first route that matches', async () => {
      const first = recorder()
      const second = recorder()
      const router = URLRouter([path('a/', first.app), path('b/', second.app), rePath('^b/$', first.app)])
      await run(router, websocketScope('/b/'))
      expect(first.scopes).toHaveLength(0)
      expect(second.scopes).toHaveLength(1)
    })

    it('routes http scopes as well as websocket scopes', async () => {
      const consumer = recorder()
      await run(URLRouter([path('api/<int:id>/', consumer.app)]), httpScope('/api/3/'))
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ id: 3 })
    })

    it('passes receive and send through unchanged', async () => {
      let got: unknown[] = []
      const app: Application = async (_scope, rcv, snd) => {
        got = [rcv, snd]
      }
      await URLRouter([path('x/', app)])(websocketScope('/x/'), receive, send)
      expect(got).toEqual([receive, send])
    })

    it('strips every leading slash before matching', async () => {
      const consumer = recorder()
      await run(URLRouter([path('chat/', consumer.app)]), websocketScope('//chat/'))
      expect(consumer.scopes).toHaveLength(1)
    })

    it('strips the root path before matching', async () => {
      const consumer = recorder()
      await run(
        URLRouter([path('chat/<str:room>/', consumer.app)]),
        websocketScope('/prefix/chat/lobby/', { rootPath: '/prefix' }),
      )
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ room: 'lobby' })
    })

    it('routes a path that does not start with the root path as it is', async () => {
      const consumer = recorder()
      await run(URLRouter([path('chat/', consumer.app)]), websocketScope('/chat/', { rootPath: '/prefix' }))
      expect(consumer.scopes).toHaveLength(1)
    })

    it('strips the root path only on a segment boundary', async () => {
      const consumer = recorder()
      await run(URLRouter([path('apiary/', consumer.app)]), websocketScope('/apiary/', { rootPath: '/api' }))
      expect(consumer.scopes).toHaveLength(1)
    })

    it('keeps the scope path and root path as they were', async () => {
      const consumer = recorder()
      await run(URLRouter([path('chat/', consumer.app)]), websocketScope('/p/chat/', { rootPath: '/p' }))
      expect(consumer.scope).toMatchObject({ path: '/p/chat/', rootPath: '/p' })
    })
  })

  describe('no match', () => {
    it('throws RouteNotFound with status 404, naming the path', async () => {
      const router = URLRouter([path('chat/', recorder().app)])
      const error: unknown = await run(router, websocketScope('/nowhere/')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RouteNotFound)
      expect(error).toMatchObject({ status: 404, code: 'CHANNELS_ERR_ROUTE_NOT_FOUND' })
      expect((error as Error).message).toContain("'/nowhere/'")
    })

    it('throws ImproperlyConfigured for a channel scope, which has no path', async () => {
      const router = URLRouter([path('chat/', recorder().app)])
      await expect(run(router, channelScope('worker'))).rejects.toThrow(ImproperlyConfigured)
      await expect(run(router, channelScope('worker'))).rejects.toThrow(/'channel' scope/)
    })
  })

  describe('nested routers', () => {
    it('merges args and kwargs from every level', async () => {
      const consumer = recorder()
      const router = URLRouter([
        path(
          'org/<slug:org>/',
          URLRouter([rePath('^(\\d+)/', URLRouter([path('rooms/<int:room>/', consumer.app, { depth: 3 })]))]),
        ),
      ])
      await run(router, websocketScope('/org/acme/2024/rooms/7/'))
      expect(consumer.scope.urlRoute).toEqual({ args: ['2024'], kwargs: { org: 'acme', room: 7, depth: 3 } })
    })

    it('lets the inner router win on a kwarg name clash', async () => {
      const consumer = recorder()
      const router = URLRouter([path('<str:id>/', URLRouter([path('<int:id>/', consumer.app)]))])
      await run(router, websocketScope('/outer/5/'))
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ id: 5 })
    })

    it('tries the next outer route when the nested router has no match', async () => {
      const nested = recorder()
      const fallback = recorder()
      const router = URLRouter([
        path('chat/', URLRouter([path('<int:id>/', nested.app)])),
        path('chat/<str:name>/', fallback.app),
      ])
      await run(router, websocketScope('/chat/lobby/'))
      expect(nested.scopes).toHaveLength(0)
      expect(fallback.scope.urlRoute?.kwargs).toEqual({ name: 'lobby' })
    })

    it('does not swallow a RouteNotFound thrown by the matched application itself', async () => {
      const fallback = recorder()
      const failing: Application = async () => {
        throw new RouteNotFound('thrown by the consumer')
      }
      const router = URLRouter([
        path('chat/', URLRouter([path('<str:name>/', failing)])),
        path('chat/<str:name>/', fallback.app),
      ])
      await expect(run(router, websocketScope('/chat/lobby/'))).rejects.toThrow('thrown by the consumer')
      expect(fallback.scopes).toHaveLength(0)
    })

    it('throws RouteNotFound when neither the nested router nor a later route matches', async () => {
      const router = URLRouter([path('chat/', URLRouter([path('<int:id>/', recorder().app)]))])
      await expect(run(router, websocketScope('/chat/lobby/'))).rejects.toThrow(RouteNotFound)
    })

    it('routes the rest of the path in a router wrapped in middleware', async () => {
      const consumer = recorder()
      const router = URLRouter([rePath('^chat/', passThrough(URLRouter([path('<int:id>/', consumer.app)])))])
      await run(router, websocketScope('/chat/9/'))
      expect(consumer.scope.urlRoute?.kwargs).toEqual({ id: 9 })
    })

    it('names the unrouted rest of the path when a wrapped nested router has no match', async () => {
      const router = URLRouter([
        rePath('^chat/', passThrough(URLRouter([path('<int:id>/', recorder().app)]))),
      ])
      await expect(run(router, websocketScope('/chat/x/'))).rejects.toThrow(/'\/chat\/x\/'.*'x\/'/)
    })

    it('lets a router nested in another also serve on its own', async () => {
      const consumer = recorder()
      const inner = URLRouter([path('<int:id>/', consumer.app)])
      const outer = URLRouter([path('chat/', inner)])
      await run(outer, websocketScope('/chat/1/'))
      await run(inner, websocketScope('/2/'))
      expect(consumer.scopes.map((scope) => scope.urlRoute?.kwargs.id)).toEqual([1, 2])
    })
  })

  describe('scope handling', () => {
    it('does not mutate the scope it was given', async () => {
      const consumer = recorder()
      const scope = websocketScope('/rooms/1/')
      const before = structuredClone(scope)
      await run(URLRouter([path('rooms/', URLRouter([path('<int:id>/', consumer.app)]))]), scope)
      expect(scope).toEqual(before)
      expect(Object.getOwnPropertySymbols(scope)).toEqual([])
      expect(consumer.scope).not.toBe(scope)
    })

    it('adds to a urlRoute already in the scope instead of replacing it', async () => {
      const consumer = recorder()
      const scope: Scope = websocketScope('/x/5/', { urlRoute: { args: ['a'], kwargs: { tenant: 't' } } })
      await run(URLRouter([rePath('^x/(\\d+)/$', consumer.app)]), scope)
      expect(consumer.scope.urlRoute).toEqual({ args: ['a', '5'], kwargs: { tenant: 't' } })
      expect(scope.urlRoute).toEqual({ args: ['a'], kwargs: { tenant: 't' } })
    })
  })

  describe('construction', () => {
    it('throws ImproperlyConfigured for a route not built with path() or rePath()', () => {
      const fake = { pattern: 'x/', app: recorder().app, kwargs: {} } as unknown as Route
      expect(() => URLRouter([fake])).toThrow(/route 0 was not built with path\(\) or rePath\(\)/)
      expect(() => URLRouter('chat/' as never)).toThrow(ImproperlyConfigured)
    })

    it('returns an application named URLRouter, for readable stack traces', () => {
      expect(URLRouter([]).name).toBe('URLRouter')
    })
  })
})
