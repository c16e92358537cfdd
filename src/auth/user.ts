/**
 * Users as `scope.user` resolves them: an `AuthenticatedUser` (a `User`
 * from a store, or a `TokenUser` built from a token's claims) or the
 * `AnonymousUser`.
 *
 * @module
 */

/** What every signed-in user has. Narrow on `isAuthenticated`. */
export interface AuthenticatedUser {
  /** The user's id, as a string whatever the store's column type. */
  readonly id: string
  readonly username: string
  /** Inactive users cannot log in or authenticate with a token. */
  readonly isActive: boolean
  readonly isAuthenticated: true
  readonly isAnonymous: false
}

/** A user as a `UserStore` returns it. */
export interface User extends AuthenticatedUser {
  /** The encoded password hash (`pbkdf2_sha256$…`, `scrypt$…`), or `!…` for an unusable password. */
  readonly passwordHash: string
  /** When the user was created. */
  readonly created: Date
}

/** A user known only from a verified token's claims (no user store configured). */
export interface TokenUser extends AuthenticatedUser {
  /** Every claim of the verified token. */
  readonly claims: Readonly<Record<string, unknown>>
}

/**
 * The user of a connection that is not logged in, as Django's
 * `AnonymousUser`. Compare with `user.isAuthenticated`, never with
 * `instanceof` across package copies.
 *
 * @example
 * ```ts body=WebsocketConsumer
 * const user = await this.scope.user
 * if (!user?.isAuthenticated) return this.close(4401)
 * ```
 */
export class AnonymousUser {
  readonly id = null
  readonly username = ''
  readonly isActive = false
  readonly isAuthenticated = false as const
  readonly isAnonymous = true as const
  toString(): string {
    return 'AnonymousUser'
  }
}

/** Whatever `scope.user` resolves to. */
export type AnyUser = AuthenticatedUser | AnonymousUser

/** The record a store keeps, before `toUser()` adds the `is…` flags. */
export interface UserRecord {
  id: string | number | bigint
  username: string
  passwordHash: string
  isActive: boolean
  created: Date | string | number
}

/** Users kept for sharing at most; then the table starts over. */
const MAX_SHARED_USERS = 1024

/** The last `User` made for each id, while the table has room. */
let recentUsers = new Map<string, User>()

/**
 * Turns a store's record into a frozen `User`.
 *
 * A record equal to the last one seen for its id gives back that same
 * frozen object: every connection loads its user, and one person's many
 * tabs (or a service's many sockets) then hold one copy, password hash and
 * date included, instead of one each. A changed record makes a new user,
 * so nothing read from the store is ever hidden.
 *
 * @internal
 */
export function toUser(record: UserRecord): User {
  const id = String(record.id)
  const created = record.created instanceof Date ? record.created : new Date(record.created)
  const isActive = Boolean(record.isActive)
  const known = recentUsers.get(id)
  if (
    known !== undefined &&
    known.username === record.username &&
    known.passwordHash === record.passwordHash &&
    known.isActive === isActive &&
    known.created.getTime() === created.getTime()
  ) {
    return known
  }
  const user: User = Object.freeze({
    id,
    username: record.username,
    passwordHash: record.passwordHash,
    isActive,
    created,
    isAuthenticated: true as const,
    isAnonymous: false as const,
  })
  if (known === undefined && recentUsers.size >= MAX_SHARED_USERS) recentUsers = new Map()
  recentUsers.set(id, user)
  return user
}
