/**
 * `serve()`: the protocol server in one call. It creates a Node HTTP server,
 * routes requests to the HTTP handler and upgrades to the WebSocket handler,
 * listens, and hands back a handle to read the address and drain.
 *
 * @module
 */

import { createServer } from 'node:http'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'

import { createServerContext } from './context.js'
import { handleHttpRequest } from './http-handler.js'
import { observeLayers } from './layer-observation.js'
import type { ServeOptions } from './options.js'
import { drain } from './shutdown.js'
import { WebsocketHandler } from './websocket-handler.js'
import { ImproperlyConfigured } from '../errors.js'
import type { Application } from '../types.js'

/** A running server. */
export interface ServerHandle {
  /** The Node HTTP server underneath (for TLS termination, metrics, tests). */
  readonly httpServer: HttpServer
  /** Where the server listens: `{ address, family, port }`, or the socket path. */
  address(): AddressInfo | string
  /** Drains (see `docs/server.md`) and stops listening; resolves when everything is closed. Idempotent. */
  close(): Promise<void>
}

/**
 * Serves `app` over HTTP/1.1 and WebSocket until `close()` is called.
 * Resolves once the server is listening.
 *
 * @param app - The application: usually a `ProtocolTypeRouter`.
 * @param options - See `ServeOptions`; every field has a default.
 * @throws ImproperlyConfigured for a bad option, or when the address cannot be listened on.
 *
 * @example
 * ```ts
 * import { serve } from 'tschannels/server'
 *
 * const server = await serve(application, { port: 8000 })
 * console.log('listening on', server.address())
 * process.on('SIGTERM', () => void server.close())
 * ```
 */
export async function serve(app: Application, options: ServeOptions = {}): Promise<ServerHandle> {
  const ctx = createServerContext(app, options, 'serve()')
  const resolved = ctx.options
  const websockets = new WebsocketHandler(ctx)
  const httpServer = createServer({ keepAliveTimeout: resolved.keepAliveTimeout })
  // A bug of ours on one request must not become an uncaught exception that
  // takes every other connection down with the process.
  httpServer.on('request', (req, res) => {
    try {
      handleHttpRequest(ctx, req, res)
    } catch (error) {
      ctx.log.error(`Internal error serving ${req.method} ${req.url}.`, error)
      if (!res.headersSent) res.writeHead(500, { connection: 'close' }).end()
      else res.destroy()
    }
  })
  httpServer.on('upgrade', websockets.onUpgrade)
  httpServer.on('clientError', onClientError)
  await listen(httpServer, resolved.socketPath, resolved.host, resolved.port)
  const stopObserving = observeLayers(ctx)
  let closing: Promise<void> | undefined
  return {
    httpServer,
    address: () => httpServer.address() ?? '',
    close: () => (closing ??= drain({ ctx, websockets, httpServer }).finally(stopObserving)),
  }
}

function listen(
  server: HttpServer,
  socketPath: string | undefined,
  host: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = socketPath ?? `${host}:${port}`
      reject(
        new ImproperlyConfigured(`Cannot listen on ${where}: ${error.code ?? error.message}.`, {
          cause: error,
        }),
      )
    }
    server.once('error', onError)
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    if (socketPath !== undefined) server.listen(socketPath, onListening)
    else server.listen(port, host, onListening)
  })
}

// Node's default clientError handling is right (400, 408, 431) but it is only
// applied when no listener exists; having one lets us keep sockets that are
// already gone from throwing and keeps the status choice explicit.
function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const reason =
    status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
