/**
 * `tschannels/django`: a Django site's sessions, users, permissions,
 * password hashes, DRF tokens, SimpleJWT tokens and signed values, read as
 * Django wrote them and written only when asked. The database drivers
 * (`pg`, `mysql2`, `better-sqlite3`), `hash-wasm` and `jose` load only when
 * used.
 *
 * @module
 */

export { DjangoSite, DjangoAuthMiddlewareStack } from './django/django-site.js'
export type { DjangoSiteOptions } from './django/django-site.js'
export { openDjangoDatabase } from './django/database.js'
export type { DjangoDatabase, DjangoDatabaseOptions, DjangoVendor } from './django/database.js'
export { DjangoDbSessionStore } from './django/db-session-store.js'
export type { DjangoDbSessionStoreOptions } from './django/db-session-store.js'
export { DjangoSignedCookieSessionStore } from './django/signed-cookie-session-store.js'
export type { DjangoSignedCookieSessionStoreOptions } from './django/signed-cookie-session-store.js'
export { DjangoUserStore } from './django/user-store.js'
export type { DjangoUserStoreOptions, DjangoUserModel, DjangoUserColumns } from './django/user-store.js'
export { isDjangoUser } from './django/django-user.js'
export type { DjangoUser } from './django/django-user.js'
export { DjangoTokenStore } from './django/token-store.js'
export type { DjangoTokenStoreOptions } from './django/token-store.js'
export { SimpleJwtAuthMiddleware } from './django/simple-jwt.js'
export type { SimpleJwtAuthMiddlewareOptions } from './django/simple-jwt.js'
export { djangoPasswordHashers, DJANGO_PASSWORD_HASHERS } from './django/password-hashers.js'
export { Argon2Hasher } from './auth/hashers/argon2-hasher.js'
export type { Argon2HasherOptions } from './auth/hashers/argon2-hasher.js'
export { BcryptHasher, BcryptSha256Hasher } from './auth/hashers/bcrypt-hasher.js'
export type { BcryptHasherOptions } from './auth/hashers/bcrypt-hasher.js'
export { Pbkdf2Sha1Hasher } from './auth/hashers/pbkdf2-hasher.js'
export { Signer, TimestampSigner, dumps, loads } from './django/signing.js'
export type {
  SecretKey,
  SignerOptions,
  TimestampSignerOptions,
  SignObjectOptions,
  UnsignObjectOptions,
  DumpsOptions,
  LoadsOptions,
} from './django/signing.js'
