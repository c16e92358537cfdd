/**
 * Outbound backpressure for one WebSocket, made only for connections whose
 * client falls behind. Below the high-water mark a send costs nothing extra
 * (the caller gets a shared, already-resolved promise) and never gets here;
 * above it, callers share one promise that resolves when the socket drains,
 * and a watch starts on the client: if none of the waiting bytes is written
 * for `idleReaderTimeout`, the client has stopped reading and the
 * connection is told to close. Progress is what counts, not emptiness, so a
 * client on a slow link that keeps reading is never taken for a dead one.
 *
 * @module
 */

import type { Duplex } from 'node:stream'

/** The outbound byte count of a `ws` socket. @internal */
export interface BufferedSource {
  readonly bufferedAmount: number
}

/** The per-connection drain waiter and idle-reader watch. @internal */
export class SendBuffer {
  #socket: Duplex
  #source: BufferedSource
  #highWaterMark: number
  #idleTimeout: number
  #onIdle: () => void
  #drain: Promise<void> | null = null
  #drained: (() => void) | null = null
  #timer: NodeJS.Timeout | undefined
  #written = 0

  /**
   * @param socket - the raw socket, whose written bytes show the client's progress
   * @param source - the `ws` socket, whose `bufferedAmount` says how much waits
   * @param highWaterMark - bytes waiting above which the client counts as behind
   * @param idleTimeout - ms without progress after which `onIdle` is called; 0 never
   * @param onIdle - closes the connection of a client that stopped reading
   */
  constructor(
    socket: Duplex,
    source: BufferedSource,
    highWaterMark: number,
    idleTimeout: number,
    onIdle: () => void,
  ) {
    this.#socket = socket
    this.#source = source
    this.#highWaterMark = highWaterMark
    this.#idleTimeout = idleTimeout
    this.#onIdle = onIdle
  }

  /** A promise that resolves once the socket has drained (or the connection ended); starts the watch. */
  drained(): Promise<void> {
    this.#watch()
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

  /** Ends the watch and lets every waiting sender go: the connection is gone. */
  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#idleTimeout = 0
    this.release()
  }

  #watch(): void {
    if (this.#idleTimeout <= 0 || this.#timer !== undefined) return
    this.#written = written(this.#socket)
    this.#timer = setTimeout(() => this.#check(), this.#idleTimeout)
    // The watch must not keep a process alive that has nothing else to do.
    this.#timer.unref()
  }

  #check(): void {
    this.#timer = undefined
    // Caught up: the next send that finds the client behind starts a new watch.
    if (this.#source.bufferedAmount <= this.#highWaterMark) return
    if (written(this.#socket) > this.#written) this.#watch()
    else this.#onIdle()
  }
}

/**
 * Bytes the socket has handed to the kernel: `bytesWritten` counts what is
 * still queued too, `writableLength` is that queue, so the difference only
 * grows when the kernel took some, which it does only when the client reads.
 */
function written(socket: Duplex): number {
  const { bytesWritten = 0 } = socket as Duplex & { bytesWritten?: number }
  return bytesWritten - socket.writableLength
}
