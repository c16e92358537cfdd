/**
 * `TokenAuthMiddleware`: opaque database tokens, as DRF's token
 * authentication (what Channels projects often call `DRFAuthTokenMiddleware`).
 *
 * @module
 */

import { ImproperlyConfigured, InvalidToken } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application } from '../types.js'
import { defaultUserStore } from './default-user-store.js'
import { tokenMiddleware } from './token-middleware.js'
import type { TokenMiddlewareOptions } from './token-middleware.js'
import type { TokenStore } from './token-store.js'
import type { UserStore } from './user-store.js'

/** Options of `TokenAuthMiddleware`. */
export interface TokenAuthMiddlewareOptions extends TokenMiddlewareOptions {
  /** Where tokens are looked up. */
  tokens: TokenStore
  /** Where their users are looked up. @default the `userStore` setting */
  users?: UserStore
}

/**
 * Authenticates with an opaque token (`Authorization: Token …` by default,
 * as DRF; see `TokenSourceOptions` for the other sources). A valid token
 * of an active user sets `scope.user`; otherwise the user is anonymous and
 * `scope.authError` says why (`missing`, `invalid`, `unknown-user`,
 * `inactive-user`).
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: TokenAuthMiddleware(URLRouter(routes), { tokens: new InMemoryTokenStore(), users }),
 * })
 * ```
 */
export function TokenAuthMiddleware(inner: Application, options: TokenAuthMiddlewareOptions): Application {
  assertApplication(inner, 'TokenAuthMiddleware(inner)')
  if (typeof options?.tokens?.getUserId !== 'function') {
    throw new ImproperlyConfigured('TokenAuthMiddleware needs { tokens }: a TokenStore.')
  }
  const { tokens } = options
  return tokenMiddleware(
    'TokenAuthMiddleware',
    inner,
    { headerScheme: 'Token', ...options },
    async (token) => {
      const userId = await tokens.getUserId(token)
      if (userId === null) throw new InvalidToken('The token is not valid.', 'invalid')
      const user = await (options.users ?? defaultUserStore()).getById(userId)
      if (user === null) throw new InvalidToken("The token's user does not exist.", 'unknown-user')
      if (!user.isActive) throw new InvalidToken("The token's user is inactive.", 'inactive-user')
      return user
    },
  )
}
