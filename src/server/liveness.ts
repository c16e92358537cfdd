/**
 * Liveness: one timer for all connections, not one per connection. Every
 * `interval` each open connection that is not already waiting for a pong is
 * pinged and stamped with the sweep number; `timeout` later, connections
 * still stamped with that number are dropped. A peer that dies right after a
 * pong is therefore found within `interval + timeout`. Any message from the
 * peer counts as a pong, so busy connections are never killed for a pong
 * stuck behind their own data. Connections whose reading is paused (their
 * application is behind) are pinged too, so the ping waits for the client
 * with everything else; their pong cannot be read until reading resumes, so
 * a missing one is judged at a later sweep, never while paused.
 *
 * @module
 */

import type { WebsocketConnection } from './websocket-connection.js'

/** The ping sweeper of one handler. @internal */
export class Liveness {
  #connections: ReadonlySet<WebsocketConnection>
  #interval: number
  #timeout: number
  #timer: NodeJS.Timeout | undefined
  #checks = new Set<NodeJS.Timeout>()
  #sweep = 0

  constructor(connections: ReadonlySet<WebsocketConnection>, interval: number, timeout: number) {
    this.#connections = connections
    this.#interval = interval
    this.#timeout = timeout
  }

  /** Starts sweeping, if pings are on and it is not already running. */
  start(): void {
    if (this.#interval <= 0 || this.#timer !== undefined) return
    this.#timer = setInterval(() => this.#ping(), this.#interval)
    // Pings must not keep a process alive that has nothing else to do.
    this.#timer.unref()
  }

  /** Stops sweeping and forgets pending checks. */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    for (const check of this.#checks) clearTimeout(check)
    this.#checks.clear()
  }

  #ping(): void {
    // Sweep numbers start at 1: 0 means "not waiting for a pong".
    const sweep = (this.#sweep = (this.#sweep % 0x3fffffff) + 1)
    for (const connection of this.#connections) {
      if (connection.awaitingPong === 0) connection.ping(sweep)
    }
    const check = setTimeout(() => {
      this.#checks.delete(check)
      for (const connection of [...this.#connections]) {
        if (connection.awaitingPong !== sweep) continue
        // A paused socket is not read, so its pong may be waiting unread: the
        // verdict waits for the next sweep, which pings it again. A client
        // that reads nothing meanwhile is the idle-reader watch's to close.
        if (connection.isPaused) connection.awaitingPong = 0
        else connection.terminateDead()
      }
    }, this.#timeout)
    check.unref()
    this.#checks.add(check)
  }
}
