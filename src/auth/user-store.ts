/**
 * The contract every user store keeps (memory, SQLite, PostgreSQL), checked
 * by one conformance suite.
 *
 * @module
 */

import type { Session } from '../sessions/session.js'
import type { User } from './user.js'

/**
 * How a store's users are tied to sessions by `login()` and `getUser()`.
 * Stores of another framework's users bring its rules (`tschannels/django`
 * brings Django's); without one, tschannels' own apply.
 */
export interface SessionAuthScheme {
  /** The hash `login()` stores and `getUser()` expects, derived from the password hash. */
  hash(user: User): string
  /** Hashes that still verify, made with fallback secret keys. */
  fallbackHashes(user: User): readonly string[]
  /** Values `login()` stores besides the user id and hash (Django's `_auth_user_backend`). */
  loginValues(user: User): Readonly<Record<string, unknown>>
  /** Whether `getUser()` may look the session's user up (Django checks the session's backend is configured). */
  acceptsSession(session: Session): boolean
  /** Whether `login()` keeps the key of a session already logged in as the same user, as Django does. */
  readonly keepsKeyOnRelogin: boolean
}

/** A user to create; give a `password` (hashed for you by `createUser`) or a ready `passwordHash`. */
export interface NewUser {
  username: string
  /** An encoded hash; use `hashPassword()` or `createUser()` to make one. */
  passwordHash: string
  /** @default true */
  isActive?: boolean
}

/**
 * Where users live. Usernames are unique and case-sensitive, as in Django.
 *
 * @example
 * ```ts
 * const users: UserStore = new InMemoryUserStore()
 * const ada = await createUser(users, 'ada', 'correct horse battery staple')
 * ```
 */
export interface UserStore {
  /** The user with `id`, or `null`. */
  getById(id: string): Promise<User | null>
  /** The user named `username`, or `null`. */
  getByUsername(username: string): Promise<User | null>
  /** Creates a user; throws `UserExists` when the username is taken. */
  create(user: NewUser): Promise<User>
  /** Replaces the password hash: every session logged in with the old one ends (see `getUser`). */
  setPassword(id: string, passwordHash: string): Promise<void>
  /** Activates or deactivates a user. */
  setActive(id: string, isActive: boolean): Promise<void>
  /** Deletes a user; deleting a missing one is not an error. */
  delete(id: string): Promise<void>
  /** Releases connections. */
  close(): Promise<void>
  /** The store's own session rules (Django's for `tschannels/django`). @default tschannels' own */
  readonly sessionAuth?: SessionAuthScheme
  /**
   * Whether `authenticate()` may re-hash a password stored with a weaker
   * hasher after a successful login. Django's users are never re-hashed
   * unless asked. @default true
   */
  readonly rehashPasswords?: boolean
  /**
   * Called by `login()` once the session holds the user, as Django's
   * `update_last_login` runs on its `user_logged_in` signal. `DjangoUserStore`
   * sets `last_login` when its database is writable. @default none
   */
  recordLogin?(user: User): Promise<void>
}
