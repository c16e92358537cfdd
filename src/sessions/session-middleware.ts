/**
 * `SessionMiddleware` and `SessionMiddlewareStack`: load the session named
 * by the session cookie into `scope.session`, and over HTTP save it when the
 * response starts.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import { neverThrowing } from '../util/never-throwing.js'
import type { Application, HttpResponseStartEvent, Message, Send } from '../types.js'
import { CookieMiddleware } from './cookie-middleware.js'
import { defaultSessionStore } from './default-store.js'
import { Session } from './session.js'
import { serializeCookie } from './set-cookie.js'
import { resolveSessionOptions, sessionCookie } from './session-options.js'
import type { ResolvedSessionOptions, SessionMiddlewareOptions } from './session-options.js'

export type { SessionMiddlewareOptions } from './session-options.js'

declare module '../types.js' {
  interface BuiltinScopeFields {
    /** The client's session, set by `SessionMiddleware` (HTTP and WebSocket scopes). */
    readonly session?: Session
  }
}

/**
 * Adds `scope.session` to HTTP and WebSocket scopes, from the session cookie
 * (`sessionid`). Needs `CookieMiddleware` outside it (or use
 * `SessionMiddlewareStack`).
 *
 * Saving follows Channels: over HTTP, when the response starts, a modified
 * session (or every session, with `saveEveryRequest`) is saved and its
 * cookie set, unless the status is 500; a session emptied by `flush()`
 * gets its cookie deleted. In a WebSocket the session is loaded but saved
 * only when you `await scope.session.save()`.
 *
 * @param inner - the application to run with the session
 * @param options - store and cookie settings, checked here
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter([path('frontend/', ChatConsumer.asApp())]))),
 * })
 * ```
 */
export function SessionMiddleware(inner: Application, options: SessionMiddlewareOptions = {}): Application {
  assertApplication(inner, 'SessionMiddleware(inner)')
  const config = resolveSessionOptions(options)
  const { store } = options

  return neverThrowing(function SessionMiddleware(scope, receive, send) {
    if (scope.type === 'channel') return inner(scope, receive, send)
    if (scope.cookies === undefined) {
      throw new ImproperlyConfigured(
        'SessionMiddleware found no scope.cookies: wrap it in CookieMiddleware, or use SessionMiddlewareStack.',
      )
    }
    // Without a store of its own, the one the settings name as each connection
    // starts: configureSettings() (or overrideSettings() in a test) applies to
    // the connections after it, wherever the stack was built.
    const sessions = store ?? defaultSessionStore()
    const cookieKey = scope.cookies[config.cookieName]
    const start = (session: Session): Promise<void> =>
      scope.type === 'websocket'
        ? inner({ ...scope, session }, receive, send)
        : inner(
            { ...scope, session },
            receive,
            wrapSend(send, session, cookieKey !== undefined, config, scope.scheme),
          )
    // Without a session cookie there is nothing to load, so the inner
    // application starts at once and its promise is returned as it is: an
    // async function here would hold a second promise, linked to it, for as
    // long as the connection stays open.
    if (!cookieKey) return start(new Session(sessions, null, {}, config.cookieAge))
    return Session.load(sessions, cookieKey, config.cookieAge).then(start)
  })
}

/**
 * `CookieMiddleware(SessionMiddleware(inner, options))`, as Channels'
 * `SessionMiddlewareStack`.
 *
 * @example
 * ```ts
 * ProtocolTypeRouter({ websocket: SessionMiddlewareStack(URLRouter(routes)) })
 * ```
 */
export function SessionMiddlewareStack(
  inner: Application,
  options: SessionMiddlewareOptions = {},
): Application {
  return CookieMiddleware(SessionMiddleware(inner, options))
}

function wrapSend(
  send: Send,
  session: Session,
  hadCookie: boolean,
  config: ResolvedSessionOptions,
  scheme: string,
): Send {
  let started = false
  return async function sendWithSession(message: Message): Promise<void> {
    if (message.type !== 'http.response.start' || started) return send(message)
    started = true
    const start = message as HttpResponseStartEvent
    // Django never saves for a 500: the view may have failed half-way.
    if (start.status === 500) return send(message)
    const headers = [...(start.headers ?? [])]
    if (session.accessed && !headers.some(([name, value]) => name === 'vary' && /cookie/i.test(value))) {
      headers.push(['vary', 'Cookie'])
    }
    if (session.isEmpty && session.sessionKey === null) {
      // Emptied (logout) or never used: remove a cookie the client still holds.
      if (hadCookie && session.modified) {
        const cookie = { ...sessionCookie(config, { scheme }), maxAge: 0 }
        headers.push(['set-cookie', serializeCookie(config.cookieName, '', cookie)])
      }
    } else if ((session.modified || config.saveEveryRequest) && !session.isEmpty) {
      await session.save()
      const key = session.sessionKey ?? ''
      headers.push(['set-cookie', serializeCookie(config.cookieName, key, sessionCookie(config, { scheme }))])
    }
    return send({ ...start, headers })
  }
}
