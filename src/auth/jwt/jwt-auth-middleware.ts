/**
 * `JwtAuthMiddleware`: JWT authentication for clients that cannot send
 * cookies, as a typical SimpleJWT WebSocket middleware does.
 *
 * @module
 */

import { assertApplication } from '../../routing/assert-application.js'
import type { Application } from '../../types.js'
import { tokenMiddleware } from '../token-middleware.js'
import type { TokenMiddlewareOptions } from '../token-middleware.js'
import { createJwtVerifier } from './jwt-verifier.js'
import type { JwtVerifyOptions } from './jwt-verifier.js'

/** Options of `JwtAuthMiddleware`: where the token comes from and how it is verified. */
export interface JwtAuthMiddlewareOptions extends TokenMiddlewareOptions, JwtVerifyOptions {}

/**
 * Verifies a JWT (signature with an allow-listed algorithm, `exp`, `nbf`,
 * `iss`, `aud`, with a small clock skew) taken from the configured sources
 * (by default `Authorization: Bearer …` or the `['bearer', token]`
 * subprotocol) and sets `scope.user`. A missing or bad token leaves the user
 * anonymous with `scope.authError` (`reason`: `missing`, `expired`,
 * `invalid`, …) so the consumer can close with 4401; with `required: true`
 * the handshake is refused with 401 instead. The token is removed from the
 * scope the application sees and never logged.
 *
 * @example
 * ```ts
 * import { JwtAuthMiddleware } from 'tschannels/jwt'
 *
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(
 *     JwtAuthMiddleware(URLRouter(routes), { key: process.env.JWT_SECRET!, sources: ['cookie'], cookieName: 'X-Token' }),
 *   ),
 * })
 *
 * class MessageNotify extends JsonWebsocketConsumer {
 *   override async connect() {
 *     if (this.scope.authError) return this.close(this.scope.authError.closeCode) // 4401
 *     await this.accept()
 *   }
 * }
 * ```
 */
export function JwtAuthMiddleware(inner: Application, options: JwtAuthMiddlewareOptions): Application {
  assertApplication(inner, 'JwtAuthMiddleware(inner)')
  return tokenMiddleware('JwtAuthMiddleware', inner, options, createJwtVerifier(options))
}
