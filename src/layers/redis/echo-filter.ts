/**
 * The group messages a pub/sub layer published and has delivered to its own
 * members already: Redis sends each back to the publishing process (it is
 * subscribed to the group), and that copy must be skipped, or local members
 * would get it twice.
 *
 * @module
 * @internal
 */

/** How long this process waits for its own group message to come back from Redis. */
const ECHO_WAIT_MS = 10_000

/** A group message this process published and has delivered locally already. @internal */
export interface Echo {
  readonly payload: Buffer
  readonly at: number
}

/**
 * Per group channel, the payloads published here and not yet seen again,
 * oldest first (Redis keeps the order of one connection's publishes).
 *
 * @internal
 */
export class EchoFilter {
  readonly #echoes = new Map<string, Echo[]>()

  /** Records a payload about to be published to `name`. */
  expect(name: string, payload: Buffer): Echo {
    const echo: Echo = { payload, at: performance.now() }
    const list = this.#echoes.get(name)
    if (list === undefined) this.#echoes.set(name, [echo])
    else list.push(echo)
    return echo
  }

  /** Forgets an echo that will not come (its publish failed). */
  forget(name: string, echo: Echo): void {
    const list = this.#echoes.get(name)
    const index = list?.indexOf(echo) ?? -1
    if (index >= 0) list!.splice(index, 1)
    if (list?.length === 0) this.#echoes.delete(name)
  }

  /** Whether `payload` is this process's own message coming back (then it was delivered already). */
  isEcho(name: string, payload: Buffer): boolean {
    const list = this.#echoes.get(name)
    if (list === undefined) return false
    // An echo that never came (a subscription dropped in between) must not shadow later ones.
    const stale = performance.now() - ECHO_WAIT_MS
    while (list.length > 0 && list[0]!.at < stale) list.shift()
    const head = list[0]
    const match = head !== undefined && head.payload.equals(payload)
    if (match) list.shift()
    if (list.length === 0) this.#echoes.delete(name)
    return match
  }

  /** Forgets the echoes of one group channel (unsubscribed). */
  delete(name: string): void {
    this.#echoes.delete(name)
  }

  /** Forgets every echo (the subscriber connection was lost, so none is certain to come). */
  clear(): void {
    this.#echoes.clear()
  }
}
