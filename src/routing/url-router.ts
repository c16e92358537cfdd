/**
 * `URLRouter`: dispatches HTTP and WebSocket connections on their path, with
 * nested routers, as Channels' `URLRouter` does.
 *
 * @module
 */

import { ImproperlyConfigured, RouteNotFound } from '../errors.js'
import type { Application, Scope, UrlRoute } from '../types.js'
import type { Route } from './route.js'
import { probeOf } from '../server/observer.js'
import { neverThrowing } from '../util/never-throwing.js'

/**
 * The part of the path the enclosing routers have not consumed. Channels
 * keeps it in `scope['path_remaining']`; a registered symbol keeps it out of
 * the typed scope and out of users' way, and survives `{ ...scope }` copies
 * made by middleware between two routers.
 */
const PATH_REMAINING: unique symbol = Symbol.for('tschannels.pathRemaining')

type RoutedScope = Scope & { [PATH_REMAINING]?: string }

/** A router's matching step, without running anything. */
type Resolve = (path: string) => Resolution | null

interface Resolution {
  app: Application
  /** The patterns that matched, outer first: the route's name in metrics. */
  pattern: string
  args: unknown[]
  kwargs: Record<string, unknown>
  rest: string
}

interface CompiledRoute {
  route: Route
  /** Set when the route leads to a `URLRouter`: the route is then a prefix. */
  nested: Resolve | undefined
}

// Lets an outer router see into a nested one, so that when the nested
// router has no match the outer router can try its next route, without
// starting the nested router and without catching errors the matched
// application may throw later.
const resolvers = new WeakMap<Application, Resolve>()

/**
 * Routes HTTP and WebSocket connections on `scope.path`, like Channels'
 * `URLRouter`. The path is matched without `scope.rootPath` (when it starts
 * with it) and without its leading `/`. Routes are tried in order; the first
 * match receives a copy of the scope whose `urlRoute` holds the captured
 * `args` and `kwargs`, merged with those of enclosing routers (on a name
 * clash the inner router's value wins). A route leading to another
 * `URLRouter` matches a prefix and lets that router match the rest; if it
 * finds nothing, the next route of the outer router is tried. When no route
 * matches, the router throws `RouteNotFound` (`status` 404).
 *
 * A route leading to a router wrapped in middleware is an ordinary endpoint
 * (as in Channels): put middleware around the outer router or around the
 * consumers, or give such a route a `rePath('^prefix/')` pattern.
 *
 * @param routes - built with `path()` and `rePath()`; compiled once, here
 * @returns an application for `http` and `websocket` scopes
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AuthMiddlewareStack(
 *     URLRouter([
 *       path('ws/chat/<str:room>/', ChatConsumer.asApp()),
 *       path('ws/rooms/', URLRouter([path('<int:id>/', RoomConsumer.asApp())])),
 *     ]),
 *   ),
 * })
 * ```
 */
export function URLRouter(routes: readonly Route[]): Application {
  const resolve = compileRoutes(routes)

  const router: Application = neverThrowing(function URLRouter(scope, receive, send) {
    const routed = scope as RoutedScope
    if (scope.type === 'channel' || typeof (scope as { path?: unknown }).path !== 'string') {
      throw new ImproperlyConfigured(
        `URLRouter routes on the path, which a '${String(scope.type)}' scope does not have. ` +
          `Use it under the 'http' or 'websocket' key of ProtocolTypeRouter (ChannelNameRouter routes 'channel' scopes).`,
      )
    }
    const remaining = routed[PATH_REMAINING]
    const path = remaining ?? stripRootPath(scope.path, scope.rootPath)
    const found = resolve(path)
    if (found === null) {
      const part = remaining === undefined ? '' : ` (the part left by the enclosing routers: '${remaining}')`
      throw new RouteNotFound(`No route found for path '${scope.path}'${part}.`)
    }
    const probe = probeOf(scope)
    // Patterns are written without their leading '/'; the label reads like a path.
    if (probe !== undefined) probe.route = (probe.route || '/') + found.pattern
    const outer = scope.urlRoute
    const urlRoute: UrlRoute =
      outer === undefined
        ? { args: found.args, kwargs: found.kwargs }
        : { args: [...outer.args, ...found.args], kwargs: { ...outer.kwargs, ...found.kwargs } }
    // A copy, so the route never shows in the scope outer middleware holds.
    const next: RoutedScope = { ...scope, urlRoute, [PATH_REMAINING]: found.rest }
    return found.app(next, receive, send)
  })

  resolvers.set(router, resolve)
  return router
}

function compileRoutes(routes: readonly Route[]): Resolve {
  if (!Array.isArray(routes)) {
    throw new ImproperlyConfigured('URLRouter expects an array of routes built with path() or rePath().')
  }
  const compiled: CompiledRoute[] = routes.map((route: Route, index) => {
    if (typeof route?.matcher?.match !== 'function') {
      throw new ImproperlyConfigured(`URLRouter route ${index} was not built with path() or rePath().`)
    }
    return { route, nested: resolvers.get(route.app) }
  })

  return function resolve(path: string): Resolution | null {
    // Channels strips every leading '/', at every nesting level.
    const trimmed = path.replace(/^\/+/, '')
    for (const { route, nested } of compiled) {
      const match = route.matcher.match(trimmed, nested === undefined)
      if (match === null) continue
      // Django's rule: extra kwargs given to path() override captured ones.
      const kwargs = { ...match.kwargs, ...route.kwargs }
      if (nested === undefined)
        return { app: route.app, pattern: route.pattern, args: match.args, kwargs, rest: match.rest }
      const inner = nested(match.rest)
      if (inner === null) continue
      return {
        app: inner.app,
        pattern: route.pattern + inner.pattern,
        args: [...match.args, ...inner.args],
        kwargs: { ...kwargs, ...inner.kwargs },
        rest: inner.rest,
      }
    }
    return null
  }
}

/**
 * Removes the mount point, but only on a segment boundary, so a root path
 * `/api` leaves `/apiary` alone. A path that does not start with the root
 * path is routed as it is (some servers already strip it).
 */
function stripRootPath(path: string, rootPath: string | undefined): string {
  if (!rootPath || !path.startsWith(rootPath)) return path
  if (path.length === rootPath.length || rootPath.endsWith('/') || path[rootPath.length] === '/') {
    return path.slice(rootPath.length)
  }
  return path
}
