/**
 * Runs applications and keeps count of the ones still running, so a
 * graceful shutdown can wait for them (up to the close timeout) and then
 * stop waiting. An application that never returns is abandoned, not awaited
 * forever: JavaScript cannot cancel a promise, but it can stop holding one.
 *
 * @module
 */

import { ChannelsError } from '../errors.js'
import type { Application, Receive, Scope, Send } from '../types.js'

/** Counts running applications. @internal */
export class AppRunner {
  #running = 0
  #idleWaiters: Array<() => void> = []

  /** How many applications have not returned yet. */
  get running(): number {
    return this.#running
  }

  /**
   * Calls `app` and resolves with what it threw (`undefined` when it returned),
   * never rejecting: the caller decides what an error means on the wire.
   * `onDone`, when given, is called with the same value first; it saves a
   * long-lived connection the promise and reaction of a `then()` of its own.
   */
  run(
    app: Application,
    scope: Scope,
    receive: Receive,
    send: Send,
    onDone?: (error: unknown) => void,
  ): Promise<unknown> {
    this.#running++
    let result: Promise<void>
    try {
      result = app(scope, receive, send)
    } catch (error) {
      // A non-async application can throw synchronously; treat it the same.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on unchanged
      result = Promise.reject(error)
    }
    return Promise.resolve(result).then(
      () => this.#done(undefined, onDone),
      (error: unknown) =>
        this.#done(error ?? new ChannelsError('The application rejected with no reason.'), onDone),
    )
  }

  /** Resolves when no application is running, or after `timeout` ms, whichever is first. */
  idle(timeout: number): Promise<void> {
    if (this.#running === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeout)
      const waiter = (): void => finish()
      this.#idleWaiters.push(waiter)
      const waiters = this.#idleWaiters
      function finish(): void {
        clearTimeout(timer)
        const index = waiters.indexOf(waiter)
        if (index !== -1) waiters.splice(index, 1)
        resolve()
      }
    })
  }

  #done(error: unknown, onDone: ((error: unknown) => void) | undefined): unknown {
    this.#running--
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      for (const waiter of this.#idleWaiters.slice()) waiter()
    }
    onDone?.(error)
    return error
  }
}

/**
 * The HTTP status an application error maps to before a response started:
 * the error's own `status` when it is a tschannels error that carries one
 * (`RouteNotFound` → 404), otherwise 500.
 * @internal
 */
export function statusForError(error: unknown): number {
  if (error instanceof ChannelsError) {
    const status = (error as ChannelsError & { status?: unknown }).status
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599)
      return status
  }
  return 500
}

/** True for errors the server answers with a status and need no stack in the log (404 and friends). @internal */
export function isExpectedError(error: unknown): boolean {
  const status = statusForError(error)
  return status >= 400 && status < 500
}
