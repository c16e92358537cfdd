/**
 * The chat's configuration: embedded defaults that need no set-up, each
 * overridable from the environment (`PORT`, `HOST`, `SECRET_KEY`,
 * `ALLOWED_HOSTS`, `DEBUG`, `REDIS_URL`, `DATABASE_URL`, `DATA_DIR`,
 * `SESSION_COOKIE_SECURE` and the `CHAT_*` limits).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { ImproperlyConfigured } from 'tschannels'

/** Everything the chat needs to start. */
export interface ChatConfig {
  /** Signs sessions, keys the session auth hash and (derived) the JWTs. */
  secretKey: string
  /** Host names allowed in the WebSocket `Origin` (and in a POST's `Origin`). @default ['127.0.0.1', 'localhost'] */
  allowedHosts: readonly string[]
  /** Development mode. @default false */
  debug: boolean
  /** Redis for the channel layer, presence and login limits; unset: in-memory, one process. @default undefined */
  redisUrl: string | undefined
  /** `postgres://…` for PostgreSQL; unset: SQLite in `dataDir`. @default undefined */
  databaseUrl: string | undefined
  /** Where the SQLite file and the generated secret key live. @default './data' */
  dataDir: string
  /**
   * Whether the session cookie is `Secure`: `'auto'` when the request came
   * over HTTPS (behind a proxy, serve with `--proxy-headers`).
   * @default 'auto'
   */
  sessionCookieSecure: boolean | 'auto'
  /** Every limit the chat enforces; see `ChatLimits`. */
  limits: ChatLimits
}

/**
 * The chat's limits, each read from a `CHAT_*` environment variable. A count
 * of 0 turns that limit off.
 */
export interface ChatLimits {
  /** Open chat sockets per client address (`CHAT_CONNECTIONS_PER_ADDRESS`). @default 50 */
  connectionsPerAddress: number
  /** Open chat sockets per user (`CHAT_CONNECTIONS_PER_USER`). @default 10 */
  connectionsPerUser: number
  /** Registrations per client address in a burst (`CHAT_REGISTRATIONS_PER_ADDRESS`). @default 10 */
  registrationsPerAddress: number
  /** Seconds for the registration allowance to come back in full (`CHAT_REGISTRATION_WINDOW`). @default 3600 */
  registrationWindow: number
  /** Failed logins per (address, username) (`CHAT_LOGIN_FAILURES_PER_USER`). @default 5 */
  loginFailuresPerUser: number
  /** Failed logins per address, whatever the username (`CHAT_LOGIN_FAILURES_PER_ADDRESS`). @default 20 */
  loginFailuresPerAddress: number
  /** Seconds for the login allowances to come back in full (`CHAT_LOGIN_WINDOW`). @default 900 */
  loginWindow: number
  /** Frames per second one socket may send, sustained (`CHAT_FLOOD_RATE`). @default 20 */
  floodRate: number
  /** Frames one socket may send in a burst above the rate (`CHAT_FLOOD_BURST`). @default 20 */
  floodBurst: number
  /** Seconds of flooding before the socket is closed with 4429 (`CHAT_FLOOD_CLOSE_AFTER`). @default 5 */
  floodCloseAfter: number
}

/** The limits when no `CHAT_*` variable is set. */
export const DEFAULT_LIMITS: Readonly<ChatLimits> = Object.freeze({
  connectionsPerAddress: 50,
  connectionsPerUser: 10,
  registrationsPerAddress: 10,
  registrationWindow: 3600,
  loginFailuresPerUser: 5,
  loginFailuresPerAddress: 20,
  loginWindow: 900,
  floodRate: 20,
  floodBurst: 20,
  floodCloseAfter: 5,
})

/** Each limit's environment variable; windows and the flood close delay must be positive, counts may be 0 (off). */
const LIMIT_VARIABLES: Readonly<Record<keyof ChatLimits, readonly [name: string, positive: boolean]>> = {
  connectionsPerAddress: ['CHAT_CONNECTIONS_PER_ADDRESS', false],
  connectionsPerUser: ['CHAT_CONNECTIONS_PER_USER', false],
  registrationsPerAddress: ['CHAT_REGISTRATIONS_PER_ADDRESS', false],
  registrationWindow: ['CHAT_REGISTRATION_WINDOW', true],
  loginFailuresPerUser: ['CHAT_LOGIN_FAILURES_PER_USER', false],
  loginFailuresPerAddress: ['CHAT_LOGIN_FAILURES_PER_ADDRESS', false],
  loginWindow: ['CHAT_LOGIN_WINDOW', true],
  floodRate: ['CHAT_FLOOD_RATE', false],
  floodBurst: ['CHAT_FLOOD_BURST', true],
  floodCloseAfter: ['CHAT_FLOOD_CLOSE_AFTER', true],
}

/** The hosts allowed when `ALLOWED_HOSTS` is not set. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = Object.freeze(['127.0.0.1', 'localhost'])

const SECRET_FILE = 'secret_key'
const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/**
 * Reads the configuration from `env`. Without `SECRET_KEY`, a key is
 * generated on first run and kept in `DATA_DIR/secret_key` (mode 0600), so
 * sessions and tokens survive a restart and processes sharing the folder
 * share the key.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env)
 * ```
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ChatConfig {
  const dataDir = resolve(nonEmpty(env.DATA_DIR) ?? 'data')
  const databaseUrl = nonEmpty(env.DATABASE_URL)
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ImproperlyConfigured(
      `DATABASE_URL must be a postgres:// URL (unset it to use SQLite in DATA_DIR).`,
    )
  }
  const hosts = nonEmpty(env.ALLOWED_HOSTS)
  return {
    secretKey: nonEmpty(env.SECRET_KEY) ?? storedSecret(dataDir),
    allowedHosts:
      hosts === undefined
        ? DEFAULT_ALLOWED_HOSTS
        : hosts
            .split(',')
            .map((host) => host.trim())
            .filter((host) => host !== ''),
    debug: TRUE.has((env.DEBUG ?? '').trim().toLowerCase()),
    redisUrl: nonEmpty(env.REDIS_URL),
    databaseUrl,
    dataDir,
    sessionCookieSecure: cookieSecure(env.SESSION_COOKIE_SECURE),
    limits: loadLimits(env),
  }
}

function cookieSecure(text: string | undefined): boolean | 'auto' {
  const value = (text ?? '').trim().toLowerCase()
  if (value === '' || value === 'auto') return 'auto'
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  throw new ImproperlyConfigured(
    `SESSION_COOKIE_SECURE is '${text}'; use auto, 1/true/yes/on or 0/false/no/off.`,
  )
}

/** The `CHAT_*` limits from `env`; a value that is not a whole number (or 0 where 0 makes no sense) is refused. */
export function loadLimits(env: Readonly<Record<string, string | undefined>>): ChatLimits {
  const limits = { ...DEFAULT_LIMITS }
  for (const [field, [name, positive]] of Object.entries(LIMIT_VARIABLES)) {
    const text = nonEmpty(env[name])
    if (text === undefined) continue
    const value = Number(text)
    if (!/^\d{1,9}$/.test(text) || (positive && value === 0)) {
      throw new ImproperlyConfigured(
        `${name} is '${text}'; use a whole number${positive ? ' above 0' : ' (0 turns the limit off)'}.`,
      )
    }
    limits[field as keyof ChatLimits] = value
  }
  return limits
}

/** Reads `dataDir/secret_key`, creating the folder and the key on first run. */
function storedSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, SECRET_FILE)
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error
  }
  const key = randomBytes(48).toString('base64url')
  // Written whole to a private file, then linked into place: a link fails if
  // another process got there first, and nobody ever reads a half-written key.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(temporary, key + '\n', { mode: 0o600 })
  try {
    linkSync(temporary, file)
    return key
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
    return readFileSync(file, 'utf8').trim()
  } finally {
    unlinkSync(temporary)
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
