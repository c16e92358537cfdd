/**
 * The part every token middleware shares: find the token, verify it, set
 * `scope.user` and `scope.authError`, keep the token out of the
 * application's scope, and echo the `bearer` subprotocol.
 *
 * Not an entry point: the middlewares built on it are (`TokenAuthMiddleware`,
 * `JwtAuthMiddleware`).
 *
 * @module
 */

import { InvalidToken } from '../errors.js'
import { deny } from '../security/deny.js'
import { recordAuth } from '../server/observer.js'
import type { Application, Message, Scope, Send } from '../types.js'
import { LazyUser } from './lazy-user.js'
import { findToken, resolveSources } from './token-source.js'
import type { TokenSourceOptions } from './token-source.js'
import { AnonymousUser } from './user.js'
import type { AnyUser, AuthenticatedUser } from './user.js'

declare module '../types.js' {
  interface BuiltinScopeFields {
    /**
     * Why a token middleware left the user anonymous (missing, expired,
     * forged token …); close with `authError.closeCode` (4401). The token
     * itself never appears in it.
     */
    readonly authError?: InvalidToken
    /**
     * The subprotocol a token middleware took the token from (`'bearer'`);
     * it is echoed on accept unless the consumer chooses another one.
     */
    readonly authSubprotocol?: string
  }
}

/** What all token middlewares accept besides their verifier's options. */
export interface TokenMiddlewareOptions extends TokenSourceOptions {
  /**
   * Refuse a connection without a valid token before it reaches the
   * application: HTTP 401, or a 401 denial response to a WebSocket
   * handshake. By default the application runs with an anonymous user and
   * `scope.authError`, and decides (close 4401, the usual code for a refused token).
   * @default false
   */
  required?: boolean
}

/** Verifies one token; throws `InvalidToken` when it is not good. @internal */
export type TokenVerifier = (token: string) => Promise<AuthenticatedUser>

/**
 * Builds a token middleware named `name`.
 * @internal
 */
export function tokenMiddleware(
  name: string,
  inner: Application,
  options: TokenMiddlewareOptions,
  verify: TokenVerifier,
): Application {
  const config = resolveSources(options, name)
  const required = options.required ?? false

  const app: Application = async (scope, receive, send) => {
    if (scope.type === 'channel') return inner(scope, receive, send)
    const found = findToken(scope, config)
    if (found === null && scope.user !== undefined) return inner(scope, receive, send)
    let user: AnyUser = new AnonymousUser()
    let authError: InvalidToken | undefined
    if (found === null) {
      authError = new InvalidToken('No token was sent.', 'missing')
    } else {
      try {
        user = await verify(found.token)
      } catch (error) {
        // Anything else (a database outage) is not the client's fault: let it surface.
        if (!(error instanceof InvalidToken)) throw error
        authError = error
      }
    }
    if (authError !== undefined && required) {
      return deny(scope, receive, send, 401, `Authentication failed: ${authError.reason}.`, [
        ['www-authenticate', `${config.headerScheme} error="invalid_token"`],
      ])
    }
    // An invalid token is the application's to judge: a 4401 close counts it as refused.
    if (authError === undefined || found === null) {
      recordAuth(scope, user.isAuthenticated ? 'authenticated' : 'anonymous')
    }
    const copy = {
      ...scope,
      ...(found?.cleaned ?? {}),
      user: LazyUser.of(user),
      ...(authError !== undefined ? { authError } : {}),
      ...(found?.echo !== undefined && authError === undefined ? { authSubprotocol: found.echo } : {}),
    } as Scope
    const echo = found?.echo
    return inner(copy, receive, echo === undefined || authError !== undefined ? send : echoing(send, echo))
  }
  Object.defineProperty(app, 'name', { value: name })
  return app
}

/** A browser that offered subprotocols fails the handshake unless one is echoed. */
function echoing(send: Send, subprotocol: string): Send {
  return async (message: Message) => {
    if (
      message.type === 'websocket.accept' &&
      (message.subprotocol === undefined || message.subprotocol === null)
    ) {
      return send({ ...message, subprotocol })
    }
    return send(message)
  }
}
