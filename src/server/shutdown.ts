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
    ctx.options.logger.warn(
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
}

/**
 * Makes SIGTERM and SIGINT drain through `close()`, and a second signal
 * force the exit. Returns a function that removes the handlers.
 * @internal
 */
export function installSignalHandlers(close: () => Promise<void>, options: SignalOptions): () => void {
  let closing = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      options.log?.(`Received ${signal} again; exiting without waiting.`)
      options.onForced()
      return
    }
    closing = true
    options.log?.(`Received ${signal}; draining connections (send it again to exit at once).`)
    close().then(options.onDrained, (error: unknown) => {
      options.log?.(`Shutdown failed: ${String(error)}`)
      options.onForced()
    })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return () => {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
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
