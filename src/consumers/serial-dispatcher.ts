/**
 * Serialises the messages of one consumer: whichever source they come from
 * (the client, the channel layer), they are handled one at a time, in the
 * order they arrived.
 *
 * @module
 * @internal
 */

import { StopConsumer } from '../errors.js'
import type { Message } from '../types.js'
import { RESOLVED, finishedSync } from '../util/resolved.js'

/**
 * The key of the method a dispatch target takes messages by: a symbol, so
 * that no message type can name it.
 *
 * @internal
 */
export const DISPATCH: unique symbol = Symbol('tschannels.dispatch')

/** What handles the messages: the consumer. @internal */
export interface DispatchTarget {
  /** Handles `message`; `fromLayer` says it came from the channel layer rather than the server. */
  [DISPATCH](message: Message, fromLayer: boolean): Promise<void>
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

/**
 * Hands messages to one handler, one at a time. A message that arrives while
 * the handler is idle is handled at once, in the caller's own async context:
 * the client's frames, the common case, cross no extra queue or promise. One
 * that arrives while it is busy waits in a backlog, and its source waits
 * until the backlog is drained, so a busy consumer slows its sources down
 * instead of buffering without bound.
 *
 * `finished` settles when the handler throws: resolved for `StopConsumer`,
 * rejected with anything else, or when `fail()` is called; after the
 * `cleanUp` set with `whenFinished()`, if any, has run.
 *
 * @internal
 */
export class SerialDispatcher {
  readonly finished: Promise<void>
  #target: DispatchTarget
  #backlog: Message[] = NO_MESSAGES
  // Where each backlog message came from, in step with `#backlog`.
  #backlogFromLayer: boolean[] = NO_SOURCES
  #busy = false
  #stopped = false
  #idle: Deferred | undefined
  #resolve!: () => void
  #reject!: (error: unknown) => void
  #cleanUp: (() => Promise<void>) | undefined

  constructor(target: DispatchTarget) {
    this.#target = target
    this.finished = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  /** Whether the consumer has ended; sources stop feeding it. */
  get stopped(): boolean {
    return this.#stopped
  }

  /**
   * Handles `message` now, or queues it behind the one being handled. The
   * promise settles when this source may deliver its next message.
   * `fromLayer` says the message came from the channel layer.
   */
  deliver(message: Message, fromLayer = false): Promise<void> {
    if (this.#stopped) return RESOLVED
    if (this.#busy) {
      if (this.#backlog === NO_MESSAGES) {
        this.#backlog = []
        this.#backlogFromLayer = []
      }
      this.#backlog.push(message)
      this.#backlogFromLayer.push(fromLayer)
      return this.#whenIdle()
    }
    this.#busy = true
    let handled: Promise<void>
    try {
      handled = this.#target[DISPATCH](message, fromLayer)
    } catch (error) {
      this.#onFailed(error)
      return RESOLVED
    }
    // A handler that finished synchronously (it returned the shared resolved
    // promise, as a frame forwarded to an unhurried socket does) lets its
    // source go on at once, without a `then` and a microtask hop per message.
    if (finishedSync(handled)) return this.#onHandled() ?? RESOLVED
    return handled.then(
      () => this.#onHandled(),
      (error: unknown) => this.#onFailed(error),
    )
  }

  /**
   * Runs `cleanUp` once the consumer has ended and before `finished`
   * settles. A consumer's whole life is then one pending promise, not a
   * chain of `then()`s each holding a promise, a reaction and closures.
   */
  whenFinished(cleanUp: () => Promise<void>): void {
    this.#cleanUp = cleanUp
  }

  /** Ends the consumer with `error` (a source failed). */
  fail(error: unknown): void {
    this.#finish(error)
  }

  #onHandled(): Promise<void> | undefined {
    if (this.#backlog.length > 0 && !this.#stopped) return this.#drain()
    this.#becomeIdle()
    return undefined
  }

  #onFailed(error: unknown): void {
    this.#finish(error)
    this.#becomeIdle()
  }

  /** Handles what queued up while the handler was busy, in order. */
  async #drain(): Promise<void> {
    try {
      while (this.#backlog.length > 0 && !this.#stopped) {
        await this.#target[DISPATCH](
          this.#backlog.shift() as Message,
          this.#backlogFromLayer.shift() as boolean,
        )
      }
      // An emptied array keeps its grown storage; the connection may be idle for hours.
      this.#backlog = NO_MESSAGES
      this.#backlogFromLayer = NO_SOURCES
    } catch (error) {
      this.#finish(error)
    } finally {
      this.#becomeIdle()
    }
  }

  #becomeIdle(): void {
    this.#busy = false
    const idle = this.#idle
    this.#idle = undefined
    idle?.resolve()
  }

  #whenIdle(): Promise<void> {
    if (this.#idle === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((done) => (resolve = done))
      this.#idle = { promise, resolve }
    }
    return this.#idle.promise
  }

  #finish(error: unknown): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#backlog = NO_MESSAGES
    this.#backlogFromLayer = NO_SOURCES
    const cleanUp = this.#cleanUp
    this.#cleanUp = undefined
    if (cleanUp === undefined) return this.#settle(error)
    let cleaned: Promise<void>
    try {
      cleaned = cleanUp()
    } catch {
      // A clean-up that throws at once must not leave `finished` pending forever.
      return this.#settle(error)
    }
    cleaned.then(
      () => this.#settle(error),
      () => this.#settle(error),
    )
  }

  #settle(error: unknown): void {
    if (error instanceof StopConsumer) this.#resolve()
    else this.#reject(error)
  }
}

/** The empty backlog, shared: nothing is ever pushed to it. */
const NO_MESSAGES: Message[] = []
const NO_SOURCES: boolean[] = []
