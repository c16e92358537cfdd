/**
 * Django's session auth hash and login values: what `django.contrib.auth`
 * stores in a session and checks on every request.
 *
 * @module
 * @internal
 */

import type { User } from '../auth/user.js'
import type { SessionAuthScheme } from '../auth/user-store.js'
import type { Session } from '../sessions/session.js'
import { getSettings, requireSecretKey } from '../settings.js'
import { saltedHmac } from './encoding.js'
import type { SecretKey } from './encoding.js'

/** Django's `BACKEND_SESSION_KEY`. */
export const SESSION_BACKEND = '_auth_user_backend'
/** Django's default `AUTHENTICATION_BACKENDS`. */
export const MODEL_BACKEND = 'django.contrib.auth.backends.ModelBackend'
const KEY_SALT = 'django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash'

/** @internal */
export interface DjangoSessionAuthOptions {
  secretKey?: SecretKey | undefined
  secretKeyFallbacks?: readonly SecretKey[] | undefined
  authenticationBackends?: readonly string[] | undefined
}

/**
 * Django's `AbstractBaseUser.get_session_auth_hash()`: the SHA-256 salted
 * HMAC of the password hash, in hex.
 * @internal
 */
export function djangoSessionAuthHash(passwordHash: string, secret: SecretKey): string {
  return saltedHmac(KEY_SALT, passwordHash, secret, 'sha256').toString('hex')
}

/**
 * Django's rules for `login()` and `getUser()`.
 * @internal
 */
export function djangoSessionAuth(options: DjangoSessionAuthOptions): SessionAuthScheme {
  const backends = options.authenticationBackends ?? [MODEL_BACKEND]
  const secret = (): SecretKey => options.secretKey ?? requireSecretKey("Django's session auth hash")
  const fallbacks = (): readonly SecretKey[] => options.secretKeyFallbacks ?? getSettings().secretKeyFallbacks
  return {
    hash: (user: User) => djangoSessionAuthHash(user.passwordHash, secret()),
    fallbackHashes: (user: User) => fallbacks().map((key) => djangoSessionAuthHash(user.passwordHash, key)),
    loginValues: () => ({ [SESSION_BACKEND]: backends[0] }),
    acceptsSession: (session: Session) => {
      const backend = session.get<unknown>(SESSION_BACKEND)
      return typeof backend === 'string' && backends.includes(backend)
    },
    keepsKeyOnRelogin: true,
  }
}
