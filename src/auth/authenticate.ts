/**
 * `authenticate`: checks a username and password against a user store, as
 * Django's `authenticate()` with the model backend.
 *
 * @module
 */

import { defaultHashers, needsRehash, hashPassword, verifyPassword } from './hashers/password-hasher.js'
import type { PasswordHasher } from './hashers/hasher.js'
import type { PasswordOptions } from './hashers/password-hasher.js'
import type { LoginAttemptLimiter } from './login-attempt-limiter.js'
import type { User } from './user.js'
import type { UserStore } from './user-store.js'

/** Options of `authenticate`. */
export interface AuthenticateOptions extends PasswordOptions {
  /** Limits attempts per username and address; throws `TooManyLoginAttempts`. @default undefined (no limit) */
  limiter?: LoginAttemptLimiter
  /** The client's address, for the limiter (`scope.client?.[0]`). @default undefined */
  address?: string | null
  /**
   * Re-hash a password stored with a weaker algorithm or fewer iterations on
   * success. @default the store's `rehashPasswords` (false for Django's users), else true
   */
  upgradeHash?: boolean
}

// Hashed once per preferred hasher, for unknown usernames: a hash the
// configured hashers can read, at the cost they would spend on a real one.
const dummyHashes = new WeakMap<PasswordHasher, Promise<string>>()

/**
 * The active user whose password matches, or `null`. An unknown username
 * costs as much time as a wrong password (a dummy hash is checked), so
 * response times do not reveal which usernames exist. With a `limiter`,
 * each call counts as an attempt.
 *
 * @example
 * ```ts
 * const limiter = new LoginAttemptLimiter()
 * const address = scope.client?.[0]
 * const user = await authenticate(users, 'ada', 'correct horse battery staple', { limiter, address })
 * if (user !== null) await login(scope, user)
 * ```
 */
export async function authenticate(
  users: UserStore,
  username: string,
  password: string,
  options: AuthenticateOptions = {},
): Promise<User | null> {
  if (typeof username !== 'string' || typeof password !== 'string') return null
  const attempt = await options.limiter?.attempt(username, options.address)
  const user = await users.getByUsername(username)
  if (user === null) {
    const preferred = (options.hashers ?? defaultHashers())[0]
    if (preferred !== undefined) {
      let dummy = dummyHashes.get(preferred)
      if (dummy === undefined) {
        dummy = preferred.encode('tschannels-dummy-password')
        dummyHashes.set(preferred, dummy)
      }
      await verifyPassword(password, await dummy, options)
    }
    return null
  }
  const ok = await verifyPassword(password, user.passwordHash, options)
  if (!ok || !user.isActive) return null
  await attempt?.succeeded()
  if (
    (options.upgradeHash ?? users.rehashPasswords ?? true) &&
    (await needsRehash(user.passwordHash, options))
  ) {
    const passwordHash = await hashPassword(password, options)
    await users.setPassword(user.id, passwordHash)
    return (await users.getById(user.id)) ?? user
  }
  return user
}

/** Options of `createUser`. */
export interface CreateUserOptions extends PasswordOptions {
  /** @default true */
  isActive?: boolean
}

/**
 * Hashes `password` and creates the user; throws `UserExists` when the
 * username is taken.
 *
 * @example
 * ```ts
 * const ada = await createUser(users, 'ada', 'correct horse battery staple')
 * ```
 */
export async function createUser(
  users: UserStore,
  username: string,
  password: string,
  options: CreateUserOptions = {},
): Promise<User> {
  const passwordHash = await hashPassword(password, options)
  return users.create({ username, passwordHash, isActive: options.isActive ?? true })
}

/**
 * Sets a new password. Every session logged in with the old one ends at its
 * next `getUser()`; call `updateSessionAuthHash(scope, user)` to keep the
 * current one.
 */
export async function setPassword(
  users: UserStore,
  user: User,
  password: string,
  options: PasswordOptions = {},
): Promise<User> {
  await users.setPassword(user.id, await hashPassword(password, options))
  return (await users.getById(user.id)) ?? user
}
