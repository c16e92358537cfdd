/**
 * `SimpleJwtAuthMiddleware`: the Django preset of `JwtAuthMiddleware`, for
 * access tokens issued by djangorestframework-simplejwt.
 *
 * @module
 */

import { ImproperlyConfigured, InvalidToken } from '../errors.js'
import type { JwtVerifier } from '../auth/jwt/jwt-verifier.js'
import { tokenMiddleware } from '../auth/token-middleware.js'
import type { TokenMiddlewareOptions } from '../auth/token-middleware.js'
import type { AuthenticatedUser } from '../auth/user.js'
import type { UserStore } from '../auth/user-store.js'
import { assertApplication } from '../routing/assert-application.js'
import { requireSecretKey } from '../settings.js'
import type { Application } from '../types.js'
import type { DjangoDatabase } from './database.js'
import { loadPeer } from './drivers/load-peer.js'

/** Options of `SimpleJwtAuthMiddleware`: SimpleJWT's `SIMPLE_JWT` settings that matter for verifying. */
export interface SimpleJwtAuthMiddlewareOptions extends TokenMiddlewareOptions {
  /** `SIGNING_KEY`. @default the `secretKey` setting (`SECRET_KEY`), as SimpleJWT */
  signingKey?: string
  /** `ALGORITHM`, one of HS256/HS384/HS512. @default 'HS256' */
  algorithm?: 'HS256' | 'HS384' | 'HS512'
  /** `USER_ID_CLAIM`. @default 'user_id' */
  userIdClaim?: string
  /** `AUDIENCE`. @default undefined (not checked) */
  audience?: string
  /** `ISSUER`. @default undefined (not checked) */
  issuer?: string
  /** `LEEWAY`, in seconds. @default 0 */
  leeway?: number
  /** Look users up here (a `DjangoUserStore`): unknown and inactive users are refused, `scope.user` has `hasPerm`. @default undefined (a `TokenUser` from the claims) */
  users?: UserStore
  /** With `rest_framework_simplejwt.token_blacklist` installed: refuse tokens whose `jti` is blacklisted. @default undefined (not checked) */
  blacklist?: DjangoDatabase
}

/**
 * Verifies SimpleJWT access tokens (`Authorization: Bearer <token>` or the
 * `['bearer', token]` subprotocol) as djangorestframework-simplejwt does:
 * HS256 with Django's `SECRET_KEY`, `token_type` `access`, `jti` and `exp`
 * required, the user in `user_id`. A refresh token, an expired, tampered or
 * blacklisted token leaves the user anonymous with `scope.authError`
 * (close 4401). It is `JwtAuthMiddleware` with SimpleJWT's settings, plus
 * the blacklist; `jose` loads on the first token.
 *
 * @example
 * ```ts
 * const django = new DjangoSite()
 * const application = ProtocolTypeRouter({
 *   websocket: SimpleJwtAuthMiddleware(URLRouter(routes), { users: django.users, blacklist: django.database }),
 * })
 * ```
 */
export function SimpleJwtAuthMiddleware(
  inner: Application,
  options: SimpleJwtAuthMiddlewareOptions = {},
): Application {
  assertApplication(inner, 'SimpleJwtAuthMiddleware(inner)')
  const key = options.signingKey ?? requireSecretKey('SimpleJwtAuthMiddleware')
  const leeway = options.leeway ?? 0
  if (!Number.isFinite(leeway) || leeway < 0)
    throw new ImproperlyConfigured('SimpleJwtAuthMiddleware leeway must be 0 or more seconds.')
  let verifier: Promise<JwtVerifier> | undefined
  const blacklist = options.blacklist
  const blacklisted =
    blacklist === undefined
      ? undefined
      : `SELECT 1 AS one FROM ${blacklist.quote('token_blacklist_blacklistedtoken')} b JOIN ${blacklist.quote('token_blacklist_outstandingtoken')} o ` +
        `ON o.${blacklist.quote('id')} = b.${blacklist.quote('token_id')} WHERE o.${blacklist.quote('jti')} = ?`

  return tokenMiddleware(
    'SimpleJwtAuthMiddleware',
    inner,
    { headerScheme: 'Bearer', ...options },
    async (token) => {
      verifier ??= loadPeer(
        'jose',
        'SimpleJwtAuthMiddleware',
        () => import('../auth/jwt/jwt-verifier.js'),
      ).then(({ createJwtVerifier }) =>
        createJwtVerifier({
          key,
          algorithms: [options.algorithm ?? 'HS256'],
          clockTolerance: leeway,
          requiredClaims: ['exp', 'jti', 'token_type'],
          userIdClaim: options.userIdClaim ?? 'user_id',
          tokenType: 'access',
          ...(options.audience !== undefined ? { audience: options.audience } : {}),
          ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
        }),
      )
      const claimsUser = (await (
        await verifier
      )(token)) as AuthenticatedUser & { claims: Record<string, unknown> }
      const jti = claimsUser.claims.jti
      if (typeof jti !== 'string' || jti === '')
        throw new InvalidToken('The token has no jti claim.', 'malformed')
      if (blacklisted !== undefined && (await blacklist!.query(blacklisted, [jti])).length > 0) {
        throw new InvalidToken('The token is blacklisted.', 'revoked')
      }
      if (options.users === undefined) return claimsUser
      const user = await options.users.getById(claimsUser.id)
      if (user === null) throw new InvalidToken("The token's user does not exist.", 'unknown-user')
      if (!user.isActive) throw new InvalidToken("The token's user is inactive.", 'inactive-user')
      return user
    },
  )
}
