/**
 * `login`, `logout` and `getUser`: Django's session authentication, as
 * Channels' `channels.auth` offers it to consumers.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from 'node:crypto'

import { ImproperlyConfigured } from '../errors.js'
import { recordAuth } from '../server/observer.js'
import { CSRF_SESSION_KEY } from '../security/csrf-token.js'
import type { Session } from '../sessions/session.js'
import { requireSecretKey } from '../settings.js'
import type { Scope } from '../types.js'
import { USER_STORE, defaultUserStore } from './default-user-store.js'
import { LazyUser, replaceUser } from './lazy-user.js'
import { AnonymousUser } from './user.js'
import type { AnyUser, User } from './user.js'
import type { UserStore } from './user-store.js'

/** The session key holding the user's id (Django's `SESSION_KEY`). */
export const SESSION_USER_ID = '_auth_user_id'
/** The session key holding the session auth hash (Django's `HASH_SESSION_KEY`). */
export const SESSION_AUTH_HASH = '_auth_user_hash'

type AuthScope = Scope & { [USER_STORE]?: UserStore }

/**
 * Logs `user` in to the scope's session: moves the session to a new key
 * (a key known before the login is worth nothing afterwards: no session
 * fixation), stores the user's id and a hash derived from their password
 * hash, drops the CSRF secret, and makes `scope.user` resolve to `user`.
 * Data already in the session is kept unless it belonged to another user.
 *
 * In a WebSocket, or after an HTTP response has started, save the session
 * yourself: `await scope.session.save()`.
 *
 * @example
 * ```ts member=JsonWebsocketConsumer
 * override async receiveJson({ username, password }: { username: string; password: string }) {
 *   const user = await authenticate(users, username, password)
 *   if (user === null) return this.sendJson({ error: 'invalid credentials' })
 *   await login(this.scope, user)
 *   await this.scope.session!.save()
 * }
 * ```
 */
export async function login(scope: Scope, user: User): Promise<void> {
  const session = requireSession(scope, 'login')
  if (!user?.isAuthenticated || typeof user.id !== 'string') {
    throw new ImproperlyConfigured('login(scope, user) needs a user from a UserStore.')
  }
  const scheme = storeOf(scope).sessionAuth
  const hash = scheme?.hash(user) ?? sessionAuthHash(user)
  const previous = session.get<string>(SESSION_USER_ID)
  if (previous !== undefined && (previous !== user.id || !sameHash(session.get(SESSION_AUTH_HASH), hash))) {
    // Another user's session: start an empty one rather than inherit their data.
    await session.flush()
  } else if (previous === undefined || scheme?.keepsKeyOnRelogin !== true) {
    await session.cycleKey()
  }
  session.delete(CSRF_SESSION_KEY)
  session.set(SESSION_USER_ID, user.id)
  for (const [name, value] of Object.entries(scheme?.loginValues(user) ?? {})) session.set(name, value)
  session.set(SESSION_AUTH_HASH, hash)
  setScopeUser(scope, user)
  await storeOf(scope).recordLogin?.(user)
}

/**
 * Logs the scope's user out: deletes and empties the session and makes
 * `scope.user` the `AnonymousUser`. Over HTTP the cookie is removed with the
 * response; in a WebSocket the session is already gone from the store.
 */
export async function logout(scope: Scope): Promise<void> {
  const session = requireSession(scope, 'logout')
  await session.flush()
  setScopeUser(scope, new AnonymousUser())
}

/**
 * The user the scope's session belongs to, or the `AnonymousUser`. The
 * session auth hash is checked in constant time against the user's current
 * password hash; when the password changed since the login, the session is
 * flushed (logged out), except in a read-only store (Django's sessions by
 * default), which is never written: the user is then simply anonymous.
 * Inactive users count as anonymous. A store with its own
 * `sessionAuth` scheme (`tschannels/django`) brings its hash, fallback
 * keys and checks.
 *
 * Long-lived consumers can call it again to notice a logout or password
 * change made elsewhere.
 *
 * @param users - where to look the user up @default the store `AuthMiddleware` was given, else the `userStore` setting
 */
export async function getUser(scope: Scope, users?: UserStore): Promise<AnyUser> {
  const user = await findUser(scope, users)
  recordAuth(scope, user.isAuthenticated ? 'authenticated' : 'anonymous')
  return user
}

async function findUser(scope: Scope, users: UserStore | undefined): Promise<AnyUser> {
  const session = requireSession(scope, 'getUser')
  const id = session.get<unknown>(SESSION_USER_ID)
  if (typeof id !== 'string') return new AnonymousUser()
  const store = users ?? storeOf(scope)
  const scheme = store.sessionAuth
  if (scheme !== undefined && !scheme.acceptsSession(session)) return new AnonymousUser()
  const user = await store.getById(id)
  // Django answers a missing or inactive user with AnonymousUser and leaves the session as it is.
  if (scheme !== undefined && (user === null || !user.isActive)) return new AnonymousUser()
  const stored = session.get(SESSION_AUTH_HASH)
  const expected = user === null ? '' : (scheme?.hash(user) ?? sessionAuthHash(user))
  if (user !== null && user.isActive && sameHash(stored, expected)) return user
  if (
    user !== null &&
    scheme !== undefined &&
    scheme.fallbackHashes(user).some((hash) => sameHash(stored, hash))
  ) {
    // Signed with a retired secret key: still valid; Django moves it to the current one.
    if (session.store.readOnly !== true) {
      await session.cycleKey()
      session.set(SESSION_AUTH_HASH, expected)
    }
    return user
  }
  // A read-only store (Django's sessions) is never written: the user is simply anonymous.
  if (session.store.readOnly !== true) await session.flush()
  return new AnonymousUser()
}

/**
 * Keeps the current session logged in after its user's password changed
 * (Django's `update_session_auth_hash`); every other session ends. Save the
 * session afterwards as usual.
 */
export async function updateSessionAuthHash(scope: Scope, user: User): Promise<void> {
  const session = requireSession(scope, 'updateSessionAuthHash')
  await session.cycleKey()
  session.set(SESSION_AUTH_HASH, storeOf(scope).sessionAuth?.hash(user) ?? sessionAuthHash(user))
  setScopeUser(scope, user)
}

/**
 * The hash stored at login, derived from the password hash with the secret
 * key (Django's `get_session_auth_hash`): a new password gives a new hash.
 * @internal
 */
export function sessionAuthHash(user: User): string {
  const key = createHmac('sha256', requireSecretKey('Session authentication'))
    .update('tschannels.auth.session-auth-hash')
    .digest()
  return createHmac('sha256', key).update(user.passwordHash).digest('hex')
}

function sameHash(stored: unknown, expected: string): boolean {
  if (typeof stored !== 'string' || stored.length !== expected.length) return false
  return timingSafeEqual(Buffer.from(stored), Buffer.from(expected))
}

function storeOf(scope: Scope): UserStore {
  return (scope as AuthScope)[USER_STORE] ?? defaultUserStore()
}

function requireSession(scope: Scope, caller: string): Session {
  const session = scope.type === 'channel' ? undefined : scope.session
  if (session === undefined) {
    throw new ImproperlyConfigured(
      `${caller}() found no session in the scope; wrap the consumer in SessionMiddlewareStack or AuthMiddlewareStack.`,
    )
  }
  return session
}

function setScopeUser(scope: Scope, user: AnyUser): void {
  if (scope.user !== undefined) replaceUser(scope.user, user)
  // Channels sets scope["user"] here too; the consumer's own scope is the one changed.
  else (scope as { user?: LazyUser }).user = LazyUser.of(user)
}
