/**
 * `fromNodeHandler()`: runs a Node `(req, res)` listener (Express, Koa's
 * `app.callback()`, Fastify's `routing`) as the `http` application of a
 * `ProtocolTypeRouter`, so an existing REST API and tschannels WebSockets
 * share one port.
 *
 * Inside `serve()` the handler gets the server's real `req` and `res`
 * (handed over through a hidden scope field), so streaming, `pipe()`,
 * `res.writeHead()` and every other Node API behave exactly as on a plain
 * Node server, at no extra cost. Anywhere else (an `HttpCommunicator` in
 * tests, another server) it gets stand-ins built from the scope, `receive`
 * and `send` (see `node-shim.ts`).
 *
 * @module
 */

import { nodeExchangeOf } from './node-exchange.js'
import { runHandler, runOverEvents, type NodeHandler } from './node-shim.js'
import { ImproperlyConfigured } from '../errors.js'
import type { Application } from '../types.js'

export type { NodeHandler } from './node-shim.js'

/**
 * Turns a Node `(req, res)` listener into an `http` application. The
 * application resolves when the response has been sent (or the client left).
 * A path stripped by `rootPath` is stripped from `req.url` too.
 *
 * @param handler - The listener: an Express app, `koaApp.callback()`, …
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { ProtocolTypeRouter, URLRouter, path } from 'tschannels'
 * import { fromNodeHandler, serve } from 'tschannels/server'
 *
 * const api = express().get('/api/health', (_req, res) => res.json({ ok: true }))
 * await serve(
 *   ProtocolTypeRouter({
 *     http: fromNodeHandler(api),
 *     websocket: URLRouter([path('ws/chat/', ChatConsumer.asApp())]),
 *   }),
 *   { port: 8000 },
 * )
 * ```
 */
export function fromNodeHandler(handler: NodeHandler): Application {
  if (typeof handler !== 'function') {
    throw new ImproperlyConfigured(`fromNodeHandler() needs a (req, res) function, got ${typeof handler}.`)
  }
  return async function fromNodeHandler(scope, receive, send) {
    if (scope.type !== 'http') {
      throw new ImproperlyConfigured(
        `fromNodeHandler() serves 'http' scopes only, got '${scope.type}'; route other types elsewhere with ProtocolTypeRouter.`,
      )
    }
    const taken = nodeExchangeOf(scope)?.takeOver()
    if (!taken) return runOverEvents(handler, scope, receive, send)
    const { req, res } = taken
    const root = scope.rootPath
    if (
      root &&
      req.url !== undefined &&
      (req.url === root || req.url.startsWith(root + '/') || req.url.startsWith(root + '?'))
    ) {
      req.url = req.url.slice(root.length) || '/'
      if (req.url.startsWith('?')) req.url = '/' + req.url
    }
    await runHandler(handler, req, res)
  }
}
