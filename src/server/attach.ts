/**
 * `attach()`: tschannels WebSockets on a Node HTTP server the user already
 * runs (an Express or Fastify app's server), sharing its port. The user's
 * server keeps answering HTTP; tschannels answers every upgrade.
 *
 * @module
 */

import type { Server as HttpServer } from 'node:http'

import { createServerContext } from './context.js'
import { observeLayers } from './layer-observation.js'
import type { ServeOptions } from './options.js'
import { drain } from './shutdown.js'
import { WebsocketHandler } from './websocket-handler.js'
import { ImproperlyConfigured } from '../errors.js'
import type { Application } from '../types.js'

/** Options of `attach()`: those of `serve()` that are not about listening. */
export type AttachOptions = Omit<
  ServeOptions,
  'host' | 'port' | 'socketPath' | 'keepAliveTimeout' | 'healthPath'
>

/** What `attach()` returns. */
export interface AttachHandle {
  /** Closes the WebSockets (1001, batched over the drain window) and removes the upgrade listener. Idempotent. */
  close(): Promise<void>
}

/**
 * Adds tschannels WebSocket handling to an existing Node HTTP (or HTTPS)
 * server. The server's `request` listeners are untouched; every `upgrade`
 * goes to `app` with a `websocket` scope.
 *
 * @param httpServer - A `node:http` or `node:https` server, listening or not.
 * @param app - The application for WebSocket scopes (a `URLRouter`, a consumer's `asApp()`…).
 * @param options - The WebSocket and logging options of `serve()`.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { attach } from 'tschannels/server'
 *
 * const api = express().get('/health', (_req, res) => res.send('ok'))
 * const server = api.listen(8000)
 * const sockets = attach(server, URLRouter([path('ws/chat/', ChatConsumer.asApp())]))
 * process.on('SIGTERM', () => void sockets.close().then(() => server.close()))
 * ```
 */
export function attach(httpServer: HttpServer, app: Application, options: AttachOptions = {}): AttachHandle {
  const ctx = createServerContext(app, options, 'attach()')
  if (!httpServer || typeof (httpServer as { on?: unknown }).on !== 'function') {
    throw new ImproperlyConfigured(`attach() needs a node:http or node:https server.`)
  }
  const websockets = new WebsocketHandler(ctx)
  httpServer.on('upgrade', websockets.onUpgrade)
  const stopObserving = observeLayers(ctx)
  let closing: Promise<void> | undefined
  return {
    close: () =>
      (closing ??= drain({ ctx, websockets }).finally(() => {
        httpServer.off('upgrade', websockets.onUpgrade)
        stopObserving()
      })),
  }
}
