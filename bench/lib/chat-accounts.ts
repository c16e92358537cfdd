/**
 * Users and access tokens for the chat example, issued before any
 * measurement through its own HTTP API (`POST /api/register`,
 * `/api/token`, `/api/token/refresh`), so that the workloads pay for
 * authentication on the socket (the JWT middleware) and never for password
 * hashing. One set per run: the chat's processes share the data folder and
 * the secret key, so every server accepts the same users and tokens.
 *
 * They are issued by a chat process of their own, started for that and
 * stopped before the measured server is: password hashing leaves thread
 * arenas of tens of megabytes behind, and while it runs V8 shrinks its young
 * generation, so a measured server that had issued them would start its
 * memory readings from another state than every other peer.
 *
 * @module
 */

import type { RunningServer } from './process.js'

/** Access tokens live 5 minutes; refresh them well before that. */
const REFRESH_AFTER_MS = 3 * 60_000

interface Credentials {
  access: string
  refresh: string
  issuedAt: number
}

/** The chat's bench users and their current tokens. */
export class ChatAccounts {
  readonly #count: number
  readonly #startIssuer: () => Promise<RunningServer>
  #tokens: Credentials[] = []
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * @param count - How many users; client `i` uses user `i % count`.
   * @param startIssuer - Starts a chat process (same data folder and secret key) that issues them.
   */
  constructor(count: number, startIssuer: () => Promise<RunningServer>) {
    this.#count = count
    this.#startIssuer = startIssuer
  }

  /** Makes sure every user exists and holds a fresh access token; returns the tokens. */
  tokens(): Promise<readonly string[]> {
    // One at a time: two servers of a cross-process run ask at once, and a
    // refresh token presented twice counts as reused (and is revoked).
    const next = this.#queue.then(() => this.#fresh())
    this.#queue = next.catch(() => undefined)
    return next
  }

  async #fresh(): Promise<readonly string[]> {
    const fresh = this.#tokens.length > 0 && Date.now() - this.#oldest() <= REFRESH_AFTER_MS
    if (fresh) return this.#tokens.map((t) => t.access)
    const issuer = await this.#startIssuer()
    try {
      await this.#issue(`http://127.0.0.1:${issuer.port}`)
    } finally {
      await issuer.stop()
    }
    return this.#tokens.map((t) => t.access)
  }

  #oldest(): number {
    return Math.min(...this.#tokens.map((t) => t.issuedAt))
  }

  async #issue(base: string): Promise<void> {
    if (this.#tokens.length === 0) {
      // Registration hashes passwords (scrypt) on the server: a few at a time keeps its thread pool busy.
      await inBatches(this.#count, 8, async (i) => {
        const response = await post(base, '/api/register', { username: username(i), password: password(i) })
        if (response.status !== 201 && response.status !== 409) throw await failure('register', response)
      })
      this.#tokens = new Array<Credentials>(this.#count)
      await inBatches(this.#count, 8, (i) => this.#login(base, i))
    } else {
      await inBatches(this.#count, 16, async (i) => {
        const response = await post(base, '/api/token/refresh', { refresh: this.#tokens[i]!.refresh })
        // A refresh token may not outlive the process that issued it; log in again then.
        if (response.status !== 200) return this.#login(base, i)
        this.#tokens[i] = { ...((await response.json()) as Credentials), issuedAt: Date.now() }
      })
    }
  }

  async #login(base: string, i: number): Promise<void> {
    const response = await post(base, '/api/token', { username: username(i), password: password(i) })
    if (response.status !== 200) throw await failure('token', response)
    this.#tokens[i] = { ...((await response.json()) as Credentials), issuedAt: Date.now() }
  }
}

const username = (i: number): string => `bench_user_${i}`
const password = (i: number): string => `bench-password-${i}`

function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(body),
  })
}

async function failure(what: string, response: Response): Promise<Error> {
  return new Error(`chat ${what} failed with ${response.status}: ${await response.text()}`)
}

async function inBatches(count: number, size: number, task: (index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i += size) {
    await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => task(i + j)))
  }
}
