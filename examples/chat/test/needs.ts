/**
 * What some of the chat's tests need from outside this process (Redis,
 * PostgreSQL, Debian's Chromium) and what happens when it is not there: the
 * test file says why on stderr and its tests skip, or, with
 * `REQUIRE_SERVICES=1` as CI runs them, the file fails.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'

import { Redis } from 'ioredis'
import pg from 'pg'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'

// Containers give Chromium no user namespace for its sandbox, and no GPU. The test machines have no
// way out, so nothing it would fetch of its own accord (QUIC, updates, sync, first-run pages) is tried.
const DISABLED = ['gpu', 'quic', 'background-networking', 'component-update', 'sync']
const FLAGS = ['--headless', '--no-sandbox', '--no-first-run', ...DISABLED.map((what) => `--disable-${what}`)]

/** One try, no reconnecting: an absent Redis should cost two seconds at most. */
const ONE_TRY = { lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null }

/**
 * For a test file that lacks something: prints `why` (a file's stderr is the
 * one place every vitest reporter shows it) for the caller to skip, or, under
 * `REQUIRE_SERVICES=1`, throws so that a missing service cannot pass CI unseen.
 */
function skipOrFail(why: string): undefined {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${why}`)
  console.warn(`skipped: ${why} (REQUIRE_SERVICES=1 makes this a failure)`)
}

/** The URL of a Redis that answered a PING, or `undefined` for the caller to skip. */
export async function redisUrlOrSkip(): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const redis = new Redis(url, ONE_TRY)
  // ioredis rejects with "Connection is closed."; the socket's error event says why (ECONNREFUSED…).
  let socketError: Error | undefined
  redis.on('error', (error: Error) => (socketError ??= error))
  const problem = await redis
    .connect()
    .then(() => redis.ping())
    .then(
      () => undefined,
      (error: Error) => socketError ?? error,
    )
  redis.disconnect()
  return problem ? skipOrFail(`Redis unreachable at ${url}: ${problem.message}`) : url
}

/**
 * The URL of a PostgreSQL that ran `select 1`, or `undefined` for the caller
 * to skip. Without `DATABASE_URL`, database `test` on 127.0.0.1 is tried as
 * user `postgres`, then as `root` (what a local trust setup often has).
 */
export async function postgresUrlOrSkip(): Promise<string | undefined> {
  const urls = process.env.DATABASE_URL
    ? [process.env.DATABASE_URL]
    : ['postgres', 'root'].map((user) => `postgres://${user}@127.0.0.1:5432/test`)
  const refusals: string[] = []
  for (const url of urls) {
    const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    const ok = await db
      .connect()
      .then(() => db.query('select 1'))
      .then(
        () => true,
        (error: Error) => {
          refusals.push(`${url.replace(/:[^:/@]+@/, ':***@')}: ${error.message}`)
          return false
        },
      )
    await db.end().catch(() => undefined)
    if (ok) return url
  }
  return skipOrFail(`PostgreSQL unreachable (${refusals.join('; ')})`)
}

/** A name no other run shares, for a schema or key prefix of a test's own (letters, digits, `_`). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`
}

/** Whether Debian's Chromium is installed; when it is not, says why (or throws under `REQUIRE_SERVICES=1`). */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true
  skipOrFail(`${CHROMIUM} is missing: install Debian's chromium to run the browser tests`)
  return false
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: FLAGS,
  })
}
