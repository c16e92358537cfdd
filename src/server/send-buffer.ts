/**
 * Outbound backpressure for one WebSocket. Below the high-water mark a send
 * costs nothing extra (the caller gets a shared, already-resolved promise);
 * above it, callers share one promise that resolves when the socket drains;
 * above the hard limit the caller is told to close the connection, because
 * a client that far behind is not reading.
 *
 * @module
 */

import type { Duplex } from 'node:stream'

/** The per-connection drain waiter. @internal */
export class SendBuffer {
  #socket: Duplex
  #limit: number
  #drain: Promise<void> | null = null
  #drained: (() => void) | null = null

  constructor(socket: Duplex, limit: number) {
    this.#socket = socket
    this.#limit = limit
  }

  /** True when `buffered` bytes are past the hard limit: the connection must close. */
  overflows(buffered: number): boolean {
    return buffered > this.#limit
  }

  /** A promise that resolves once the socket has drained (or the connection ended). */
  drained(): Promise<void> {
    if (this.#drain === null) {
      this.#drain = new Promise((resolve) => (this.#drained = resolve))
      // Without a pending 'drain' (the bytes sit in ws's own queue), yielding
      // once to the event loop is the most we can wait for.
      if ((this.#socket as Duplex & { writableNeedDrain?: boolean }).writableNeedDrain) {
        this.#socket.once('drain', () => this.release())
      } else setImmediate(() => this.release())
    }
    return this.#drain
  }

  /** Lets every waiting sender go: the socket drained, or the connection is gone. */
  release(): void {
    const resolve = this.#drained
    this.#drained = null
    this.#drain = null
    resolve?.()
  }
}
