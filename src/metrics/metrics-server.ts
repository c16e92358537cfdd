/**
 * The metrics port: `GET /metrics` in Prometheus's text format, and, when a
 * status token is set, the live status page at `/status` with its data at
 * `/status/data` (the data only for a request that carries the token). It
 * is a plain Node HTTP server of its own, apart from the application's port,
 * so that scraping never queues behind client traffic and the page is not
 * reachable where the application is published.
 *
 * @module
 */

import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { ImproperlyConfigured } from '../errors.js'
import type { ServerMetrics } from './server-metrics.js'
import { STATUS_PAGE } from './status-page.js'
import type { StatusSnapshot } from './status-snapshot.js'

/** Where `serveMetrics()` reads from: one process's `ServerMetrics`, or a cluster's aggregate. */
export interface MetricsSource {
  /** The metrics in Prometheus's text format, and its content type. */
  exposition(): Promise<{ contentType: string; body: string }>
  /** The status page's data. */
  snapshot(): Promise<StatusSnapshot>
}

/** Options of `serveMetrics()`. */
export interface MetricsServerOptions {
  /** TCP port; `0` picks a free one. */
  port: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /**
   * Turns the status page on: its data is served only to requests that
   * carry this token (`Authorization: Bearer <token>`). Use a long random
   * value. Off (no page) when absent.
   * @default undefined
   */
  statusToken?: string
}

/** A running metrics server. */
export interface MetricsServerHandle {
  readonly httpServer: Server
  address(): AddressInfo
  close(): Promise<void>
}

/**
 * Serves `source` (a `ServerMetrics`, or a cluster's aggregate) on a port of
 * its own: `/metrics` for Prometheus, and `/status` when `statusToken` is set.
 *
 * @throws ImproperlyConfigured when the port cannot be listened on or the token is too short.
 *
 * @example
 * ```ts
 * import { ServerMetrics, serveMetrics } from 'tschannels/metrics'
 * import { serve } from 'tschannels/server'
 *
 * const metrics = new ServerMetrics()
 * await serve(application, { port: 8000, metrics })
 * await serveMetrics(metrics, { port: 9100, statusToken: process.env.STATUS_TOKEN })
 * ```
 */
export async function serveMetrics(
  source: ServerMetrics | MetricsSource,
  options: MetricsServerOptions,
): Promise<MetricsServerHandle> {
  const from = 'exposition' in source ? source : metricsSource(source)
  const token = options.statusToken
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new ImproperlyConfigured(
      'The status token must be at least 16 characters: anyone who guesses it sees the status page.',
    )
  }
  const expected = token === undefined ? undefined : digest(token)
  const server = createServer((req, res) => {
    handle(from, expected, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n')
      else res.destroy()
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ImproperlyConfigured(
          `Cannot listen for metrics on ${host}:${options.port}: ${error.code ?? error.message}.`,
          {
            cause: error,
          },
        ),
      ),
    )
    server.listen(options.port, host, () => resolve())
  })
  let closing: Promise<void> | undefined
  return {
    httpServer: server,
    address: () => server.address() as AddressInfo,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })),
  }
}

/** `metrics` as a `MetricsSource`. @internal */
export function metricsSource(metrics: ServerMetrics): MetricsSource {
  return {
    exposition: async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
    snapshot: () => Promise.resolve(metrics.snapshot()),
  }
}

async function handle(
  source: MetricsSource,
  token: Buffer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed')
  if (path === '/metrics') {
    const { contentType, body } = await source.exposition()
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body)
    return
  }
  // The page fetches 'status/data' relative to itself, which only '/status' resolves right.
  if (token !== undefined && path === '/status/') {
    res.writeHead(308, { location: '../status' }).end()
    return
  }
  if (token !== undefined && path === '/status') {
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      })
      .end(STATUS_PAGE)
    return
  }
  if (token !== undefined && path === '/status/data') {
    if (!authorized(req, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('Unauthorized\n')
      return
    }
    const snapshot = await source.snapshot()
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(snapshot))
    return
  }
  plain(res, 404, 'Not Found')
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (match === null) return false
  // Equal-length digests compared in constant time: neither the token nor its length leaks.
  return timingSafeEqual(digest(match[1]!.trim()), expected)
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`)
}
