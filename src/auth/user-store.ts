/**
 * The contract every user store keeps (memory, SQLite, PostgreSQL), checked
 * by one conformance suite.
 *
 * @module
 */

import type { User } from './user.js'

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
}
