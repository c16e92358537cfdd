/**
 * `Session`: one client's session data, loaded by `SessionMiddleware` and
 * saved with `await scope.session.save()`.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { RESOLVED } from '../util/resolved.js'
import type { SessionData, SessionStore } from './session-store.js'

/**
 * The data of every session that holds none, until its first `set()`: most
 * WebSocket connections never write to their session. Frozen, because it
 * is shared.
 */
const NO_DATA: SessionData = Object.freeze({})

/** Two weeks, Django's `SESSION_COOKIE_AGE`. */
export const DEFAULT_SESSION_AGE = 1_209_600

/**
 * A session as a consumer sees it in `scope.session`: values by name,
 * JSON-serialisable, with Django's `save()`, `flush()` and `cycleKey()`.
 *
 * Changes live in this object until `save()`. Over HTTP, `SessionMiddleware`
 * saves a modified session when the response starts; in a WebSocket nothing
 * is saved unless you `await scope.session.save()`, as in Channels.
 *
 * Saves of one session are queued, so two `save()` calls from one
 * connection never interleave; saves from different connections replace
 * the whole record atomically, the last one winning.
 *
 * @example
 * ```ts
 * class Counter extends WebsocketConsumer {
 *   override async connect() {
 *     const visits = (this.scope.session?.get('visits') as number | undefined) ?? 0
 *     this.scope.session?.set('visits', visits + 1)
 *     await this.scope.session?.save()
 *     await this.accept()
 *   }
 * }
 * ```
 */
export class Session {
  readonly #store: SessionStore
  #key: string | null
  #data: SessionData
  #modified = false
  #accessed = false
  #ageSeconds: number
  #staleKey: string | null = null
  // The shared settled promise until the first save: most WebSocket sessions are never saved.
  #saving: Promise<unknown> = RESOLVED

  /**
   * @param store - where `save()` writes
   * @param key - the key the data was loaded from, or `null` for a new session
   * @param data - the loaded data (copied)
   * @param ageSeconds - how long a save keeps the session alive
   * @internal Created by `SessionMiddleware` and `Session.load()`.
   */
  constructor(
    store: SessionStore,
    key: string | null,
    data: SessionData = {},
    ageSeconds = DEFAULT_SESSION_AGE,
  ) {
    this.#store = store
    this.#key = key
    this.#data = Object.keys(data).length === 0 ? NO_DATA : { ...data }
    this.#ageSeconds = ageSeconds
  }

  /**
   * Loads the session `key` names from `store`; a missing, expired or
   * invalid key gives a new, empty session (its key is made on first save).
   */
  static async load(
    store: SessionStore,
    key: string | undefined | null,
    ageSeconds = DEFAULT_SESSION_AGE,
  ): Promise<Session> {
    if (key === undefined || key === null || key === '') return new Session(store, null, {}, ageSeconds)
    const data = await store.load(key)
    return data === null
      ? new Session(store, null, {}, ageSeconds)
      : new Session(store, key, data, ageSeconds)
  }

  /** The store this session saves to. */
  get store(): SessionStore {
    return this.#store
  }

  /** The key the client holds, or `null` until the session is first saved. */
  get sessionKey(): string | null {
    return this.#key
  }

  /** Whether anything changed since the session was loaded or last saved. */
  get modified(): boolean {
    return this.#modified
  }

  /** Whether any value was read or written (responses then vary on `Cookie`). */
  get accessed(): boolean {
    return this.#accessed
  }

  /** Whether the session holds no values. */
  get isEmpty(): boolean {
    return Object.keys(this.#data).length === 0
  }

  /** Seconds a save keeps the session alive. */
  get ageSeconds(): number {
    return this.#ageSeconds
  }

  /** The value stored under `name`, or `undefined`. */
  get<T = unknown>(name: string): T | undefined {
    this.#accessed = true
    return Object.hasOwn(this.#data, name) ? (this.#data[name] as T) : undefined
  }

  /** Whether a value is stored under `name`. */
  has(name: string): boolean {
    this.#accessed = true
    return Object.hasOwn(this.#data, name)
  }

  /** Stores `value` (JSON-serialisable) under `name`. */
  set(name: string, value: unknown): void {
    if (value === undefined) {
      this.delete(name)
      return
    }
    this.#accessed = true
    this.#modified = true
    if (this.#data === NO_DATA) this.#data = {}
    this.#data[name] = value
  }

  /** Removes `name`; returns whether it was there. */
  delete(name: string): boolean {
    this.#accessed = true
    if (!Object.hasOwn(this.#data, name)) return false
    delete this.#data[name]
    this.#modified = true
    return true
  }

  /** The names of the stored values. */
  keys(): string[] {
    this.#accessed = true
    return Object.keys(this.#data)
  }

  /** Removes every value but keeps the key (Django's `clear()`). */
  clear(): void {
    this.#accessed = true
    if (this.isEmpty) return
    this.#data = NO_DATA
    this.#modified = true
  }

  /** Changes how long the session lives from its next save, in seconds. */
  setExpiry(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ImproperlyConfigured(
        `Session.setExpiry() needs a positive number of seconds; got ${seconds}.`,
      )
    }
    this.#ageSeconds = seconds
    this.#modified = true
  }

  /**
   * Writes the session to its store, creating a key for a new session. An
   * empty session is saved too (call `flush()` to end one).
   */
  async save(): Promise<void> {
    const run = this.#saving.then(() => this.#write())
    // Later saves wait for this one, whatever its outcome.
    this.#saving = run.catch(() => undefined)
    await run
  }

  /**
   * Keeps the data but moves it to a new key at the next save, and deletes
   * the old key then: after a login, a key someone planted or saw before is
   * worth nothing (no session fixation).
   */
  async cycleKey(): Promise<void> {
    if (this.#key !== null) this.#staleKey ??= this.#key
    this.#key = null
    this.#modified = true
  }

  /** Deletes the session from its store and empties it, with a new key to come (logout). */
  async flush(): Promise<void> {
    const old = this.#key ?? this.#staleKey
    this.#data = NO_DATA
    this.#key = null
    this.#staleKey = null
    this.#modified = true
    if (old !== null) await this.#store.delete(old)
  }

  async #write(): Promise<void> {
    const expiresAt = new Date(Date.now() + this.#ageSeconds * 1000)
    this.#key = await this.#store.save(this.#key, { ...this.#data }, expiresAt)
    this.#modified = false
    if (this.#staleKey !== null && this.#staleKey !== this.#key) {
      const stale = this.#staleKey
      this.#staleKey = null
      await this.#store.delete(stale)
    }
  }
}
