/**
 * `DjangoSite`: one Django site's database, sessions, users and tokens as
 * tschannels reads them, and `DjangoAuthMiddlewareStack`, the one call that
 * makes `scope.user` the Django user of the browser's session cookie.
 *
 * @module
 */

import { AuthMiddlewareStack } from '../auth/auth-middleware.js'
import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { SessionMiddlewareOptions } from '../sessions/session-options.js'
import type { SessionStore } from '../sessions/session-store.js'
import { DEFAULT_SESSION_AGE } from '../sessions/session.js'
import { getSettings } from '../settings.js'
import type { Application } from '../types.js'
import { openDjangoDatabase } from './database.js'
import type { DjangoDatabase } from './database.js'
import { DjangoDbSessionStore } from './db-session-store.js'
import { resolveSessionEngine } from './session-engine.js'
import type { DjangoSessionEngine } from './session-engine.js'
import { DjangoSignedCookieSessionStore } from './signed-cookie-session-store.js'
import type { SecretKey } from './signing.js'
import { DjangoTokenStore } from './token-store.js'
import { DjangoUserStore } from './user-store.js'
import type { DjangoUserModel } from './user-store.js'

/** Options of `DjangoSite`: the Django settings tschannels needs, by their Django names in camelCase. */
export interface DjangoSiteOptions {
  /** The database, `DATABASE_URL` form. @default the `databaseUrl` setting (`DATABASE_URL`) */
  databaseUrl?: string
  /** An open database instead of `databaseUrl` (its `writable` then decides). @default undefined */
  database?: DjangoDatabase
  /**
   * Let `login()`/`logout()` write Django's sessions (rotating keys as
   * Django does), and tokens be created or deleted. Off, nothing in
   * Django's database is ever written.
   * @default false
   */
  writable?: boolean
  /** `SECRET_KEY`. @default the `secretKey` setting (`SECRET_KEY`) */
  secretKey?: SecretKey
  /** `SECRET_KEY_FALLBACKS`. @default the `secretKeyFallbacks` setting (`SECRET_KEY_FALLBACKS`) */
  secretKeyFallbacks?: readonly SecretKey[]
  /** `SESSION_ENGINE`; the `cache` and `file` engines are refused. @default the `sessionEngine` setting, else `db` */
  sessionEngine?: string
  /** `SESSION_COOKIE_NAME`. @default the `sessionCookieName` setting (`sessionid`) */
  sessionCookieName?: string
  /** `SESSION_COOKIE_AGE`, in seconds. @default 1209600 */
  sessionCookieAge?: number
  /** The session table. @default 'django_session' */
  sessionTable?: string
  /** `AUTH_USER_MODEL` when it is not `auth.User`. @default auth_user */
  userModel?: DjangoUserModel
  /** `AUTHENTICATION_BACKENDS`. @default ['django.contrib.auth.backends.ModelBackend'] */
  authenticationBackends?: readonly string[]
  /** Let `authenticate()` re-hash weaker password hashes (needs `writable`). @default false */
  rehashPasswords?: boolean
  /** For a writable `cached_db`: removes Django's cached copy of a session (see `DjangoDbSessionStore`). */
  invalidateCache?: (cacheKey: string) => Promise<void>
  /** The clock for session expiry and `last_login`, in ms; tests pass their own. @default Date.now */
  now?: () => number
}

/**
 * A Django site next to tschannels: its database opened once, with the
 * session store for its `SESSION_ENGINE`, its users and DRF's tokens.
 * Checked at construction: an unreadable session engine fails here, at
 * start-up, not on the first request.
 *
 * @example
 * ```ts
 * import { DjangoSite } from 'tschannels/django'
 * // DATABASE_URL, SECRET_KEY, SESSION_ENGINE… from the environment, as Django's settings.py reads them
 * const django = new DjangoSite()
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(django.authMiddlewareStack(URLRouter(routes))),
 * })
 * ```
 */
export class DjangoSite {
  /** The database every store of this site uses. */
  readonly database: DjangoDatabase
  /** Which Django session engine the site uses. */
  readonly sessionEngine: DjangoSessionEngine
  /** Django's sessions (read-only unless `writable`). */
  readonly sessions: SessionStore
  /** Django's users, groups and permissions. */
  readonly users: DjangoUserStore
  /** DRF's `authtoken_token` tokens. */
  readonly tokens: DjangoTokenStore
  readonly #cookieName: string
  readonly #cookieAge: number
  readonly #ownsDatabase: boolean

  constructor(options: DjangoSiteOptions = {}) {
    const settings = getSettings()
    this.sessionEngine = resolveSessionEngine(options.sessionEngine ?? settings.sessionEngine)
    this.#cookieName = options.sessionCookieName ?? settings.sessionCookieName
    this.#cookieAge = options.sessionCookieAge ?? DEFAULT_SESSION_AGE
    if (
      options.database !== undefined &&
      options.writable !== undefined &&
      options.database.writable !== options.writable
    ) {
      throw new ImproperlyConfigured(
        'DjangoSite: { writable } disagrees with the database it was given; set it on the database.',
      )
    }
    this.#ownsDatabase = options.database === undefined
    this.database =
      options.database ??
      openDjangoDatabase({
        ...(options.databaseUrl !== undefined ? { url: options.databaseUrl } : {}),
        writable: options.writable ?? false,
      })
    const keys = {
      ...(options.secretKey !== undefined ? { secretKey: options.secretKey } : {}),
      ...(options.secretKeyFallbacks !== undefined ? { secretKeyFallbacks: options.secretKeyFallbacks } : {}),
    }
    const now = options.now !== undefined ? { now: options.now } : {}
    this.sessions =
      this.sessionEngine === 'signed_cookies'
        ? new DjangoSignedCookieSessionStore({
            ...keys,
            ...now,
            cookieAge: this.#cookieAge,
            writable: this.database.writable,
          })
        : new DjangoDbSessionStore({
            ...keys,
            ...now,
            database: this.database,
            engine: this.sessionEngine,
            ...(options.sessionTable !== undefined ? { table: options.sessionTable } : {}),
            ...(options.invalidateCache !== undefined ? { invalidateCache: options.invalidateCache } : {}),
          })
    this.users = new DjangoUserStore({
      ...options.userModel,
      ...keys,
      ...now,
      database: this.database,
      ...(options.authenticationBackends !== undefined
        ? { authenticationBackends: options.authenticationBackends }
        : {}),
      ...(options.rehashPasswords !== undefined ? { rehashPasswords: options.rehashPasswords } : {}),
    })
    this.tokens = new DjangoTokenStore({ database: this.database })
  }

  /**
   * `CookieMiddleware(SessionMiddleware(AuthMiddleware(inner)))` on this
   * site's session cookie, sessions and users: `await scope.user` is the
   * browser's Django user, or the `AnonymousUser`.
   *
   * @example
   * ```ts
   * declare const django: DjangoSite
   * ProtocolTypeRouter({ websocket: AllowedHostsOriginValidator(django.authMiddlewareStack(URLRouter(routes))) })
   * ```
   */
  authMiddlewareStack(
    inner: Application,
    options: Omit<SessionMiddlewareOptions, 'store'> = {},
  ): Application {
    assertApplication(inner, 'DjangoSite.authMiddlewareStack(inner)')
    return AuthMiddlewareStack(inner, {
      cookieName: this.#cookieName,
      cookieAge: this.#cookieAge,
      ...options,
      store: this.sessions,
      users: this.users,
    })
  }

  /** Closes the database connections, unless the database was given. */
  async close(): Promise<void> {
    if (this.#ownsDatabase) await this.database.close()
  }
}

/**
 * The Django site's users on the browser's session cookie, in one call:
 * `new DjangoSite(options).authMiddlewareStack(inner)`. Keep the site when
 * you also need its tokens or want to close it.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(DjangoAuthMiddlewareStack(URLRouter(routes))),
 * })
 * ```
 */
export function DjangoAuthMiddlewareStack(
  inner: Application,
  site: DjangoSite | DjangoSiteOptions = {},
): Application {
  return (site instanceof DjangoSite ? site : new DjangoSite(site)).authMiddlewareStack(inner)
}
