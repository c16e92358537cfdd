/**
 * The chat's configuration: embedded defaults that need no set-up, each
 * overridable from the environment (`PORT`, `HOST`, `SECRET_KEY`,
 * `ALLOWED_HOSTS`, `DEBUG`, `REDIS_URL`, `DATABASE_URL`, `DATA_DIR`).
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
}

/** The hosts allowed when `ALLOWED_HOSTS` is not set. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = Object.freeze(['127.0.0.1', 'localhost'])

const SECRET_FILE = 'secret_key'
const TRUE = new Set(['1', 'true', 'yes', 'on'])

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
  }
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
