/**
 * The settings: one typed object, configured once at start-up from code and
 * overridable from the environment (`SECRET_KEY`, `ALLOWED_HOSTS`, `DEBUG`,
 * `REDIS_URL`, `DATABASE_URL`, `PORT`, `HOST`), as Django's `settings.py`
 * plus environment variables.
 *
 * When they are read: tschannels reads the settings in force at the moment
 * it uses them, and keeps nothing from an earlier reading. Middleware reads
 * them as each connection starts (`AllowedHostsOriginValidator`'s hosts,
 * `SessionMiddleware`'s and `AuthMiddleware`'s default stores), a store or
 * layer when it is constructed (`REDIS_URL`, `DATABASE_URL`), the CLI when
 * it starts (`HOST`, `PORT`). So `configureSettings()`, or
 * `overrideSettings()` from `tschannels/testing`, applies to every
 * connection that starts after it, wherever the application was built.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { ImproperlyConfigured } from './errors.js'
import { parseOriginPattern } from './security/origin-pattern.js'
import type { SessionStore } from './sessions/session-store.js'
import type { UserStore } from './auth/user-store.js'
import type { PasswordHasher } from './auth/hashers/hasher.js'
import type { ChannelLayersConfig } from './layers/registry.js'
import { warn } from './util/warnings.js'

/** The settings tschannels reads. */
export interface Settings {
  /**
   * Signs session cookies and CSRF tokens and keys the session auth hash.
   * Environment: `SECRET_KEY`. Required outside `DEBUG` wherever one is used.
   * @default undefined
   */
  secretKey: string | undefined
  /**
   * Host names this site serves, Django's `ALLOWED_HOSTS`: exact names,
   * `.example.com` for a domain and its subdomains, or `*`. Used by
   * `AllowedHostsOriginValidator`. Environment: `ALLOWED_HOSTS`, comma-separated.
   * @default []
   */
  allowedHosts: readonly string[]
  /**
   * Development mode: local origins are allowed when `allowedHosts` is empty,
   * and a missing secret key is replaced by a random one for this process.
   * Environment: `DEBUG` (`1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`).
   * @default false
   */
  debug: boolean
  /** Redis for layers, sessions and rate limits. Environment: `REDIS_URL`. @default undefined */
  redisUrl: string | undefined
  /** PostgreSQL for sessions and users. Environment: `DATABASE_URL`. @default undefined */
  databaseUrl: string | undefined
  /** The port `tschannels serve` listens on. Environment: `PORT`. @default 8000 */
  port: number
  /** The address `tschannels serve` binds. Environment: `HOST`. @default '127.0.0.1' */
  host: string
  /**
   * Where `SessionMiddleware` keeps sessions when it is given no `store`.
   * When unset, one in-memory store is created for the process (lost on
   * restart, not shared between processes; a warning says so outside DEBUG).
   * @default undefined
   */
  sessionStore: SessionStore | undefined
  /**
   * Where `AuthMiddleware` and `getUser` find users when given no `users`.
   * When unset, an empty in-memory store is created for the process.
   * @default undefined
   */
  userStore: UserStore | undefined
  /**
   * Older secret keys that still verify what they signed (sessions, signed
   * values, session auth hashes) but sign nothing new, Django's
   * `SECRET_KEY_FALLBACKS`. Environment: `SECRET_KEY_FALLBACKS`, a JSON list
   * or comma-separated.
   * @default []
   */
  secretKeyFallbacks: readonly string[]
  /** The session cookie's name, Django's `SESSION_COOKIE_NAME`. Environment: `SESSION_COOKIE_NAME`. @default 'sessionid' */
  sessionCookieName: string
  /**
   * Django's `SESSION_ENGINE`, read by `tschannels/django` (`db`, `cached_db`,
   * `signed_cookies`). Environment: `SESSION_ENGINE`.
   * @default undefined ('django.contrib.sessions.backends.db' where Django's sessions are used)
   */
  sessionEngine: string | undefined
  /**
   * The channel layers when `configureChannelLayers()` was not called, in
   * tschannels' or Django's `CHANNEL_LAYERS` form. Environment:
   * `CHANNEL_LAYERS`, as JSON.
   * @default undefined (an in-memory `default` layer)
   */
  channelLayers: ChannelLayersConfig | undefined
  /**
   * The password hashers, Django's `PASSWORD_HASHERS`: the first makes new
   * hashes, every one verifies its own format. Tests can make hashing cheap
   * with `[new Pbkdf2Sha256Hasher({ iterations: 1 })]`.
   * @default undefined ([new Pbkdf2Sha256Hasher(), new ScryptHasher()])
   */
  passwordHashers: readonly PasswordHasher[] | undefined
  /**
   * Whether the session cookie is `Secure` (sent over HTTPS only), Django's
   * `SESSION_COOKIE_SECURE`, for `SessionMiddleware`s given no
   * `cookieSecure`: `'auto'` makes it Secure when the request arrived over
   * HTTPS (`scope.scheme`, from `X-Forwarded-Proto` behind a proxy with
   * `--proxy-headers`). Read each time the cookie is set. Environment:
   * `SESSION_COOKIE_SECURE` (`auto`, or a boolean as `DEBUG`).
   * @default 'auto'
   */
  sessionCookieSecure: boolean | 'auto'
}

/** Options of `configureSettings`. */
export interface ConfigureSettingsOptions {
  /**
   * The environment that overrides the values given in code; pass `{}` to
   * ignore the real one (tests).
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>
}

const DEFAULTS: Settings = Object.freeze({
  secretKey: undefined,
  allowedHosts: Object.freeze([]),
  debug: false,
  redisUrl: undefined,
  databaseUrl: undefined,
  port: 8000,
  host: '127.0.0.1',
  sessionStore: undefined,
  userStore: undefined,
  secretKeyFallbacks: Object.freeze([]),
  sessionCookieName: 'sessionid',
  sessionEngine: undefined,
  channelLayers: undefined,
  passwordHashers: undefined,
  sessionCookieSecure: 'auto',
})

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off', ''])

// The one piece of state this module keeps; `resetSettings()` clears it.
let current: Settings | undefined
let debugSecret: string | undefined

/**
 * Sets the settings from `values`, then lets the environment override them,
 * and validates the result (a bad value throws `ImproperlyConfigured`
 * naming the variable). Call it once at start-up, before building the
 * application; later calls replace the whole object.
 *
 * @param values - settings given in code; anything missing takes its default
 * @param options - `env` replaces `process.env` as the source of overrides
 * @returns the frozen settings now in force
 *
 * @example
 * ```ts
 * configureSettings({ allowedHosts: ['chat.example.com'], sessionStore: new SqliteSessionStore({ filename: 'db.sqlite3' }) })
 * // SECRET_KEY comes from the environment in production.
 * ```
 */
export function configureSettings(
  values: Partial<Settings> = {},
  options: ConfigureSettingsOptions = {},
): Readonly<Settings> {
  const env = options.env ?? process.env
  const merged: Settings = { ...DEFAULTS, ...definedOnly(values) }
  if (env.SECRET_KEY !== undefined) merged.secretKey = env.SECRET_KEY
  if (env.ALLOWED_HOSTS !== undefined) merged.allowedHosts = parseList(env.ALLOWED_HOSTS)
  if (env.DEBUG !== undefined) merged.debug = parseBoolean('DEBUG', env.DEBUG)
  if (env.REDIS_URL !== undefined) merged.redisUrl = env.REDIS_URL
  if (env.DATABASE_URL !== undefined) merged.databaseUrl = env.DATABASE_URL
  if (env.PORT !== undefined) merged.port = parsePort(env.PORT)
  if (env.HOST !== undefined) merged.host = env.HOST
  if (env.SECRET_KEY_FALLBACKS !== undefined)
    merged.secretKeyFallbacks = parseKeyList(env.SECRET_KEY_FALLBACKS)
  if (env.SESSION_COOKIE_NAME !== undefined) merged.sessionCookieName = env.SESSION_COOKIE_NAME
  if (env.SESSION_ENGINE !== undefined) merged.sessionEngine = env.SESSION_ENGINE
  if (env.CHANNEL_LAYERS !== undefined)
    merged.channelLayers = parseJsonObject('CHANNEL_LAYERS', env.CHANNEL_LAYERS)
  if (env.SESSION_COOKIE_SECURE !== undefined) {
    const text = env.SESSION_COOKIE_SECURE
    const value = text.trim().toLowerCase()
    if (value !== 'auto' && !TRUE.has(value) && !FALSE.has(value)) {
      throw new ImproperlyConfigured(
        `The environment variable SESSION_COOKIE_SECURE is '${text}'; use auto, 1/true/yes/on or 0/false/no/off.`,
      )
    }
    merged.sessionCookieSecure = value === 'auto' ? 'auto' : TRUE.has(value)
  }
  validate(merged)
  current = Object.freeze({ ...merged, allowedHosts: Object.freeze([...merged.allowedHosts]) })
  return current
}

/**
 * The settings in force. On the first call without `configureSettings()`,
 * they are read from the defaults and the environment.
 */
export function getSettings(): Readonly<Settings> {
  return current ?? configureSettings()
}

/** Forgets the settings (and the DEBUG secret), so the next `getSettings()` reads them afresh. For tests. */
export function resetSettings(): void {
  current = undefined
  debugSecret = undefined
}

/**
 * Replaces the settings in force with `settings` exactly as given, or with
 * none (`undefined`: the next `getSettings()` reads the environment), and
 * returns what was in force before. `overrideSettings()` uses it to put
 * back what it found.
 * @internal
 */
export function swapSettings(settings: Readonly<Settings> | undefined): Readonly<Settings> | undefined {
  const previous = current
  current = settings
  return previous
}

/**
 * The secret key, for a feature that needs one (`purpose` names it in the
 * message). Without one, DEBUG gets a random key for this process (with the
 * warning `CHANNELS_WRN_021`); otherwise this throws `ImproperlyConfigured`
 * saying how to set one, because a guessable default would let anyone forge
 * what the key signs.
 *
 * @param settings - the settings to read; @default getSettings()
 */
export function requireSecretKey(purpose: string, settings: Readonly<Settings> = getSettings()): string {
  if (settings.secretKey !== undefined && settings.secretKey !== '') return settings.secretKey
  if (!settings.debug) {
    throw new ImproperlyConfigured(
      `${purpose} needs a secret key, but none is set. Set the SECRET_KEY environment variable to a long ` +
        `random value (for example the output of \`node -e "console.log(crypto.randomBytes(48).toString('base64url'))"\`) ` +
        `or pass configureSettings({ secretKey }). Keep it out of version control.`,
    )
  }
  if (debugSecret === undefined) {
    debugSecret = randomBytes(48).toString('base64url')
    warn(
      'CHANNELS_WRN_021',
      `No SECRET_KEY is set; DEBUG uses a random key for this process, so sessions and tokens it signs ` +
        `do not survive a restart. Set SECRET_KEY before turning DEBUG off.`,
    )
  }
  return debugSecret
}

function definedOnly(values: Partial<Settings>): Partial<Settings> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined))
}

function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function parseKeyList(text: string): string[] {
  if (text.trim().startsWith('[')) {
    const list: unknown = parseJsonValue('SECRET_KEY_FALLBACKS', text)
    if (!Array.isArray(list) || list.some((key) => typeof key !== 'string')) {
      throw new ImproperlyConfigured(
        'The environment variable SECRET_KEY_FALLBACKS must be a JSON list of strings.',
      )
    }
    return list as string[]
  }
  return parseList(text)
}

function parseJsonObject(name: string, text: string): ChannelLayersConfig {
  const value: unknown = parseJsonValue(name, text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImproperlyConfigured(`The environment variable ${name} must be a JSON object of aliases.`)
  }
  return value as ChannelLayersConfig
}

function parseJsonValue(name: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ImproperlyConfigured(
      `The environment variable ${name} is not valid JSON (${(error as Error).message}).`,
    )
  }
}

function parseBoolean(name: string, text: string): boolean {
  const value = text.trim().toLowerCase()
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  throw new ImproperlyConfigured(
    `The environment variable ${name} is '${text}'; use 1/true/yes/on or 0/false/no/off.`,
  )
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new ImproperlyConfigured(`The environment variable PORT is '${text}'; use a port from 0 to 65535.`)
  }
  return port
}

function validate(settings: Settings): void {
  if (
    !Array.isArray(settings.secretKeyFallbacks) ||
    settings.secretKeyFallbacks.some((k) => typeof k !== 'string')
  ) {
    throw new ImproperlyConfigured(`settings.secretKeyFallbacks must be an array of secret keys.`)
  }
  if (
    settings.passwordHashers !== undefined &&
    (!Array.isArray(settings.passwordHashers) || settings.passwordHashers.length === 0)
  ) {
    throw new ImproperlyConfigured(`settings.passwordHashers must be a non-empty array of password hashers.`)
  }
  if (!Array.isArray(settings.allowedHosts) || settings.allowedHosts.some((h) => typeof h !== 'string')) {
    throw new ImproperlyConfigured(`settings.allowedHosts must be an array of host names.`)
  }
  // A host AllowedHostsOriginValidator could not read fails here, not on the first connection.
  for (const host of settings.allowedHosts as readonly string[]) parseOriginPattern(host)
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
    throw new ImproperlyConfigured(`settings.port is ${String(settings.port)}; use a port from 0 to 65535.`)
  }
  if (typeof settings.debug !== 'boolean') {
    throw new ImproperlyConfigured(`settings.debug must be true or false.`)
  }
  if (![true, false, 'auto'].includes(settings.sessionCookieSecure)) {
    throw new ImproperlyConfigured(`settings.sessionCookieSecure must be true, false or 'auto'.`)
  }
  if (settings.secretKey !== undefined && typeof settings.secretKey !== 'string') {
    throw new ImproperlyConfigured(`settings.secretKey must be a string.`)
  }
  if (settings.secretKey !== undefined && settings.secretKey.length > 0 && settings.secretKey.length < 32) {
    throw new ImproperlyConfigured(
      `settings.secretKey is ${settings.secretKey.length} characters long; use at least 32 random characters ` +
        `(SECRET_KEY), or an attacker could guess it and forge sessions.`,
    )
  }
}
