/**
 * `InMemorySessionStore`: sessions in a `Map`, for tests and a single
 * development process.
 *
 * @module
 */

import { isValidSessionKey, newSessionKey } from './session-store.js'
import type { SessionData, SessionStore } from './session-store.js'

/** Options of `InMemorySessionStore`. */
export interface InMemorySessionStoreOptions {
  /** How often expired sessions are swept, in ms; 0 disables the sweep (they are still never returned). @default 60000 */
  sweepIntervalMs?: number
}

interface Entry {
  json: string
  expiresAt: number
}

/**
 * Keeps sessions in this process's memory. Data is stored as JSON, so a
 * caller never shares objects with the store, just as with a database.
 * Lost on restart and invisible to other processes: use the SQLite,
 * PostgreSQL or Redis store in production.
 *
 * @example
 * ```ts
 * const store = new InMemorySessionStore()
 * const app = SessionMiddlewareStack(router, { store })
 * ```
 */
export class InMemorySessionStore implements SessionStore {
  #entries = new Map<string, Entry>()
  #timer: NodeJS.Timeout | undefined

  constructor(options: InMemorySessionStoreOptions = {}) {
    const interval = options.sweepIntervalMs ?? 60_000
    if (interval > 0) {
      this.#timer = setInterval(() => void this.clearExpired(), interval)
      // A sweep timer must never keep a process alive on its own.
      this.#timer.unref()
    }
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isValidSessionKey(key)) return null
    const entry = this.#entries.get(key)
    if (entry === undefined) return null
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key)
      return null
    }
    return JSON.parse(entry.json) as SessionData
  }

  async save(key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    let target = key !== null && isValidSessionKey(key) ? key : null
    while (target === null || (key === null && this.#entries.has(target))) target = newSessionKey()
    this.#entries.set(target, { json: JSON.stringify(data), expiresAt: expiresAt.getTime() })
    return target
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key)
  }

  async clearExpired(): Promise<number> {
    const now = Date.now()
    let removed = 0
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key)
        removed++
      }
    }
    return removed
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
