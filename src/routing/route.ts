/**
 * `path()` and `rePath()`: the two ways to declare a `URLRouter` route,
 * named after Django's `path()` and `re_path()`.
 *
 * @module
 */

import type { Application } from '../types.js'
import { assertApplication } from './assert-application.js'
import { compilePathRoute } from './path-pattern.js'
import type { CheckedRoute, PathKwargs, RePathKwargs } from './path-kwargs.js'
import type { PatternMatcher } from './pattern.js'
import { compileRegexPattern } from './regex-pattern.js'
import type { RouteTarget } from './route-target.js'

/** No extra kwargs. */
type NoKwargs = Record<never, never>

/** What a route gives its application: the captured kwargs, overridden by the extra ones. */
type Provided<Captured, Extra> = [keyof Extra] extends [never]
  ? Captured
  : { [K in keyof (Omit<Captured, keyof Extra> & Extra)]: (Omit<Captured, keyof Extra> & Extra)[K] }

/**
 * One route of a `URLRouter`, as `path()` and `rePath()` return it. The
 * pattern is compiled when the route is declared, never per request.
 */
export interface Route {
  /** The route or pattern as written, for messages and debugging. */
  readonly pattern: string
  /** What a matching connection is handed to: a consumer, middleware, or a nested `URLRouter`. */
  readonly app: Application
  /** Extra kwargs added to every match; they win over captured kwargs of the same name, as in Django. */
  readonly kwargs: Readonly<Record<string, unknown>>
  /** @internal */
  readonly matcher: PatternMatcher
}

/**
 * Declares a route with Django's path syntax: literal text plus
 * `<converter:name>` parameters, matched against the path without its
 * leading `/`. Converters: `str` (the default; no `/`), `int` (becomes a
 * number), `slug`, `uuid` and `path` (may contain `/`). The captured values
 * land in `scope.urlRoute.kwargs`, which a consumer reads as `this.kwargs`.
 *
 * When the route is a string literal and `app` comes from the `asApp()` of
 * a consumer that declares its `kwargs`, the compiler checks that the route
 * (with the extra `kwargs`) provides each of them with its type.
 *
 * A route whose app is a `URLRouter` matches a prefix and hands the rest of
 * the path to that router; any other route must match the whole path.
 *
 * @param route - such as `'rooms/<int:id>/'`; a malformed route throws `ImproperlyConfigured`
 * @param app - the application for matching connections
 * @param kwargs - extra kwargs for every match; they override captured ones of the same name
 *   (and must then have the converter's type)
 *
 * @example
 * ```ts
 * URLRouter([
 *   path('ws/chat/<str:room>/', ChatConsumer.asApp()),
 *   path('ws/rooms/<int:id>/', RoomConsumer.asApp(), { readOnly: false }),
 * ])
 * ```
 */
export function path<R extends string, E extends object = NoKwargs>(
  route: CheckedRoute<R>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a route known only at run time checks nothing
  app: NoInfer<RouteTarget<string extends R ? any : Provided<PathKwargs<R>, E>>>,
  kwargs?: E & Readonly<Partial<PathKwargs<R>>>,
): Route {
  assertApplication(app, `path('${route}', app)`)
  return { pattern: route, app, kwargs: { ...kwargs }, matcher: compilePathRoute(route) }
}

/**
 * Declares a route with a regular expression, like Django's `re_path()`.
 * A string pattern may use Python syntax (`(?P<name>…)`, `(?P=name)`, `\A`,
 * `\Z`, leading `(?i)`), so Channels routes can be copied as they are.
 * Named groups become `scope.urlRoute.kwargs`; a pattern without named groups
 * passes its groups as `scope.urlRoute.args` instead (as in Django, when a
 * pattern has named groups its unnamed ones are not passed). Values stay
 * strings. An endpoint pattern ending in `$` must match the whole path;
 * otherwise the pattern is searched for, so anchor it with `^`.
 *
 * A pattern written as a string literal is read at compile time: a
 * consumer's declared `kwargs` are checked against its named groups, as
 * `path()` does. A `RegExp` pattern is not checked.
 *
 * @param pattern - a `RegExp` (its `g` and `y` flags are dropped) or a pattern string
 * @param app - the application for matching connections
 * @param kwargs - extra kwargs for every match; they override captured ones of the same name
 *
 * @example
 * ```ts
 * URLRouter([rePath('^ws/chat/(?P<room>\\w+)/$', ChatConsumer.asApp())])
 * URLRouter([rePath(/^ws\/chat\/(?<room>\w+)\/$/, ChatConsumer.asApp())])
 * ```
 */
export function rePath<P extends RegExp | string, E extends object = NoKwargs>(
  pattern: P,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a RegExp cannot be read at compile time
  app: NoInfer<RouteTarget<P extends string ? (string extends P ? any : Provided<RePathKwargs<P>, E>) : any>>,
  kwargs?: E,
): Route {
  assertApplication(app, `rePath(${String(pattern)}, app)`)
  return { pattern: String(pattern), app, kwargs: { ...kwargs }, matcher: compileRegexPattern(pattern) }
}
