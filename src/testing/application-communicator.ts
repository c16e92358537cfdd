/**
 * `ApplicationCommunicator`: runs an application against in-memory queues so
 * a test can play the server's part without a socket.
 *
 * @module
 */

import { ApplicationFinished, CommunicatorTimeout } from '../errors.js'
import type { Application, LayerMessage, Message, Scope } from '../types.js'
import { AsyncQueue } from '../util/async-queue.js'

/** How long communicator methods wait by default, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 1000

type Outcome = { ok: true } | { ok: false; error: unknown }

/**
 * Runs `app` with `scope` from the moment it is constructed. `sendInput()`
 * plays the server sending an event; `receiveOutput()` takes what the
 * application sent. An exception thrown by the application is rethrown, as
 * the same object with its original stack, by the next communicator call.
 *
 * Timeouts are in milliseconds (Channels' are in seconds).
 *
 * @example
 * ```ts
 * const communicator = new ApplicationCommunicator(app, { type: 'channel', channel: 'thumbnails' })
 * await communicator.sendInput({ type: 'thumbnail.create', id: 7 })
 * expect(await communicator.receiveOutput()).toEqual({ type: 'thumbnail.done', id: 7 })
 * ```
 */
export class ApplicationCommunicator {
  /** The scope the application was started with. */
  readonly scope: Scope
  #input = new AsyncQueue<Message>()
  #output = new AsyncQueue<Message>()
  #outcome: Outcome | undefined
  #finished: Promise<void>

  constructor(app: Application, scope: Scope) {
    this.scope = scope
    const receive = (): Promise<Message> => this.#input.get()
    const send = async (message: Message): Promise<void> => this.#output.put(message)
    this.#finished = (async () => app(scope, receive, send))().then(
      () => {
        this.#outcome = { ok: true }
      },
      (error: unknown) => {
        this.#outcome = { ok: false, error }
      },
    )
  }

  /** Whether the application has returned (or thrown). */
  get finished(): boolean {
    return this.#outcome !== undefined
  }

  /** Whether the application is waiting in `receive()` for the next input. */
  get waitingForInput(): boolean {
    return this.#input.hasWaiters()
  }

  /** Delivers `message` to the application's `receive()`. Throws the application's error if it failed. */
  async sendInput(message: Message): Promise<void> {
    this.#throwIfFailed()
    this.#input.put(message)
  }

  /**
   * The next event the application sent, waiting up to `timeout` ms, as a
   * plain record so tests can read any field. Throws
   * the application's own error if it failed, `ApplicationFinished` if it
   * returned without sending, `CommunicatorTimeout` if nothing came in time.
   */
  async receiveOutput(timeout = DEFAULT_TIMEOUT_MS): Promise<LayerMessage> {
    const queued = this.#output.shift()
    if (queued !== undefined) return queued as LayerMessage
    this.#throwIfFinished()
    const stop = new AbortController()
    const timer = setTimeout(
      () => stop.abort(new CommunicatorTimeout(this.#timeoutMessage(timeout))),
      timeout,
    )
    try {
      const next = this.#output.get(stop.signal)
      const ended = this.#finished.then(() => {
        // Output sent just before returning is still delivered first.
        if (this.#output.size === 0 && !stop.signal.aborted) stop.abort(this.#finishedError())
      })
      void ended
      return (await next) as LayerMessage
    } finally {
      clearTimeout(timer)
      stop.abort()
    }
  }

  /**
   * Waits `timeout` ms and reports whether the application stayed silent.
   * Anything it sent stays queued for `receiveOutput()`.
   */
  async receiveNothing(timeout = 100): Promise<boolean> {
    if (this.#output.size > 0) return false
    await new Promise((resolve) => setTimeout(resolve, timeout))
    this.#throwIfFailed()
    return this.#output.size === 0
  }

  /**
   * Waits up to `timeout` ms for the application to return, rethrowing its
   * error if it failed.
   */
  async wait(timeout = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.#outcome === undefined) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout)
      })
      const result = await Promise.race([this.#finished, timedOut])
      clearTimeout(timer)
      if (result === 'timeout') {
        throw new CommunicatorTimeout(`The application was still running after ${timeout} ms.`)
      }
    }
    this.#throwIfFailed()
  }

  #throwIfFailed(): void {
    if (this.#outcome !== undefined && !this.#outcome.ok) throw this.#outcome.error
  }

  #throwIfFinished(): void {
    if (this.#outcome !== undefined) throw this.#finishedError()
  }

  #finishedError(): unknown {
    if (this.#outcome !== undefined && !this.#outcome.ok) return this.#outcome.error
    return new ApplicationFinished(
      'The application returned without sending the event the test waited for; nothing more will come.',
    )
  }

  #timeoutMessage(timeout: number): string {
    return `The application sent nothing within ${timeout} ms; check that it answers this event, or raise the timeout.`
  }
}
