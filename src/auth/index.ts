/**
 * Authentication: session auth middleware, login/logout/getUser, users and
 * password hashing, opaque-token auth and login-attempt limits. JWT lives
 * in `tschannels/jwt`.
 *
 * @module
 */

export { AuthMiddleware, AuthMiddlewareStack } from './auth-middleware.js'
export type { AuthMiddlewareOptions, AuthMiddlewareStackOptions } from './auth-middleware.js'
export {
  login,
  logout,
  getUser,
  updateSessionAuthHash,
  SESSION_USER_ID,
  SESSION_AUTH_HASH,
} from './session-auth.js'
export { LazyUser } from './lazy-user.js'
export { AnonymousUser } from './user.js'
export type { AnyUser, AuthenticatedUser, User, TokenUser, UserRecord } from './user.js'
export type { UserStore, NewUser } from './user-store.js'
export { InMemoryUserStore } from './memory-user-store.js'
export { authenticate, createUser, setPassword } from './authenticate.js'
export type { AuthenticateOptions, CreateUserOptions } from './authenticate.js'
export { LoginAttemptLimiter } from './login-attempt-limiter.js'
export type { LoginAttempt, LoginAttemptLimiterOptions } from './login-attempt-limiter.js'
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  unusablePassword,
  UNUSABLE_PASSWORD_PREFIX,
} from './hashers/password-hasher.js'
export type { PasswordHasher, PasswordOptions } from './hashers/password-hasher.js'
export { Pbkdf2Sha256Hasher } from './hashers/pbkdf2-hasher.js'
export type { Pbkdf2HasherOptions } from './hashers/pbkdf2-hasher.js'
export { ScryptHasher } from './hashers/scrypt-hasher.js'
export type { ScryptHasherOptions } from './hashers/scrypt-hasher.js'
export { TokenAuthMiddleware } from './token-auth-middleware.js'
export type { TokenAuthMiddlewareOptions } from './token-auth-middleware.js'
export type { TokenMiddlewareOptions } from './token-middleware.js'
export type { TokenSource, TokenSourceOptions } from './token-source.js'
export { InMemoryTokenStore } from './token-store.js'
export type { TokenStore } from './token-store.js'
