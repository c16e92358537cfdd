/**
 * Graceful shutdown. Stop accepting, close WebSockets with 1001 in batches
 * over the drain window (so a fleet of clients does not reconnect in the
 * same instant), give applications their `websocket.disconnect` and up to
 * the close timeout to finish, then cut whatever is left. `installSignalHandlers`
 * wires that to SIGTERM/SIGINT for the CLI; a second signal exits at once.
 *
 * @module
 */

import type { Server as HttpServer } from 'node:http'

import type { ServerContext } from './context.js'
import type { WebsocketHandler } from './websocket-handler.js'

/** What a drain walks. @internal */
export interface DrainTarget {
  ctx: ServerContext
  websockets: WebsocketHandler
  /** Present when the server owns the HTTP server (not with `attach()`). */
  httpServer?: HttpServer
}

/** Runs the drain described in the module comment. Safe to call once per target. @internal */
export async function drain(target: DrainTarget): Promise<void> {
  const { ctx, websockets, httpServer } = target
  ctx.draining = true
  const { drainWindow, applicationCloseTimeout } = ctx.options
  const closed = httpServer ? closeListener(httpServer) : Promise.resolve()
  httpServer?.closeIdleConnections()
  await websockets.drain(drainWindow)
  const deadline = Date.now() + applicationCloseTimeout
  await ctx.runner.idle(applicationCloseTimeout)
  await until(() => websockets.connections.size === 0, deadline)
  if (ctx.runner.running > 0) {
    ctx.log.warn(
      `${ctx.runner.running} application(s) still running after the ${applicationCloseTimeout} ms close timeout; abandoning them.`,
    )
  }
  websockets.destroy()
  httpServer?.closeAllConnections()
  await closed
}

/** Options of `installSignalHandlers()`. @internal */
export interface SignalOptions {
  /** Called once the drain finished; the CLI exits with 0 there. */
  onDrained: () => void
  /** Called on the second signal; the CLI exits at once with 1 there. */
  onForced: () => void
  log?: (line: string) => void
  /**
   * A repeat of the signal within this many ms of the first is the same
   * request delivered twice, not a second one: under `npm start`, a Ctrl-C
   * reaches the server from the terminal and again from npm, which forwards it.
   * @default 0
   */
  repeatWindowMs?: number
}

/** What `installSignalHandlers()` returns. @internal */
export interface SignalHandlers {
  /**
   * Starts the drain as a signal would, for another reason (`why` is
   * logged); it never counts as the second signal, and does nothing once a
   * drain has started.
   */
  drain(why: string): void
  /** Removes the handlers. */
  remove(): void
}

/**
 * Makes SIGTERM and SIGINT drain through `close()`, and a second signal
 * force the exit.
 * @internal
 */
export function installSignalHandlers(close: () => Promise<void>, options: SignalOptions): SignalHandlers {
  let closing = false
  let since = 0
  const start = (why: string): void => {
    closing = true
    since = performance.now()
    options.log?.(`${why}; draining connections (send SIGTERM or SIGINT again to exit at once).`)
    close().then(options.onDrained, (error: unknown) => {
      options.log?.(`Shutdown failed: ${String(error)}`)
      options.onForced()
    })
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!closing) return start(`Received ${signal}`)
    if (performance.now() - since < (options.repeatWindowMs ?? 0)) return
    options.log?.(`Received ${signal} again; exiting without waiting.`)
    options.onForced()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    drain: (why) => {
      if (!closing) start(why)
    },
    remove: () => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    },
  }
}

function closeListener(server: HttpServer): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve) => server.close(() => resolve()))
}

async function until(condition: () => boolean, deadline: number): Promise<void> {
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
