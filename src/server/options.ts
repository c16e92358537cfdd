/**
 * `ServeOptions`: every knob of the protocol server, with its default, and
 * the one function that checks them so a bad value fails at start-up with a
 * message that names the option instead of misbehaving under load.
 *
 * @module
 */

import type { PerMessageDeflateOptions } from 'ws'

import { ImproperlyConfigured } from '../errors.js'
import type { ServerObserver } from './observer.js'
import type { StructuredLogger } from './server-log.js'

/** Where access-log lines go: a stream, a function, or nowhere. */
export type AccessLogTarget = boolean | NodeJS.WritableStream | ((line: string) => void)

/** The logger the server reports application errors and warnings to. */
export interface ServerLogger {
  error(message: string, error?: unknown): void
  warn(message: string): void
  info(message: string): void
}

/** Options of `serve()` and `attach()`. Durations are in milliseconds, sizes in bytes. */
export interface ServeOptions {
  /** Interface to listen on. Ignored when `socketPath` is set. @default '127.0.0.1' */
  host?: string
  /** TCP port; `0` picks a free one (read it back with `address()`). @default 8000 */
  port?: number
  /** Listen on this Unix domain socket instead of `host`/`port`. @default undefined */
  socketPath?: string
  /** Mount point of the application: stripped from `path` when present, reported as `rootPath`. @default '' */
  rootPath?: string
  /**
   * Trust `X-Forwarded-For`, `X-Forwarded-Port` and `X-Forwarded-Proto` to fill `client` and
   * `scheme`. Enable only behind a proxy that sets them; a client can forge them otherwise.
   * @default false
   */
  proxyHeaders?: boolean
  /** How often each WebSocket is pinged; `0` disables pings. @default 20000 */
  pingInterval?: number
  /** How long a peer may take to answer a ping before it is closed as dead. @default 20000 */
  pingTimeout?: number
  /** Largest WebSocket message accepted; a larger one closes the connection with 1009. @default 1048576 */
  maxMessageSize?: number
  /** permessage-deflate: `false` (off), `true` (ws defaults) or ws's options object. @default false */
  perMessageDeflate?: boolean | PerMessageDeflateOptions
  /** How long an application may take to answer `websocket.connect` before the handshake gets 503. @default 10000 */
  handshakeTimeout?: number
  /** How long an HTTP application may take to start its response before the client gets 503. @default 60000 */
  httpResponseTimeout?: number
  /** How long an application may keep running after its connection is gone before it is abandoned. @default 10000 */
  applicationCloseTimeout?: number
  /** `send()` returns a promise that waits for the socket to drain while more than this is buffered. @default 65536 */
  sendHighWaterMark?: number
  /** A connection with more than this buffered for the client is closed with 1013 (the client is too slow). @default 4194304 */
  sendBufferLimit?: number
  /**
   * Bytes one WebSocket may hold in memory: client messages the application
   * has not received plus sends not yet written to the socket. Reading from the
   * client pauses while its messages hold half of it; a connection over it is
   * closed with 1013 and what it held is dropped. At least twice `maxMessageSize`.
   * @default 8388608
   */
  connectionBufferLimit?: number
  /**
   * How long a client may leave data unread (a `send()` waiting above
   * `sendHighWaterMark` and not one byte of it written) before it is closed
   * with 1013; `0` turns the check off.
   * @default 30000
   */
  idleReaderTimeout?: number
  /** Client messages queued for an application that is busy; above it the socket stops reading (TCP backpressure). @default 64 */
  maxQueuedMessages?: number
  /** On `close()`, WebSockets are closed with 1001 in batches spread over this window. @default 5000 */
  drainWindow?: number
  /** How long an idle keep-alive HTTP connection stays open. @default 5000 */
  keepAliveTimeout?: number
  /** Access log in the common log format plus WebSocket lifecycle lines; `true` writes to stdout. @default false */
  accessLog?: AccessLogTarget
  /** Where application errors are reported (never to the client). @default console */
  logger?: ServerLogger
  /**
   * Structured logs: access records and the server's messages go here as
   * `(fields, message)` calls, each naming its connection (`conn`), instead of
   * lines to `accessLog` and `logger`; `accessLog` then only turns access
   * records on or off. A pino instance fits, as does `jsonLogger()`.
   * @default undefined
   */
  structuredLogger?: StructuredLogger
  /**
   * Measures the server: a `ServerMetrics` from `tschannels/metrics` (or any
   * `ServerObserver`). While the server runs, the channel layers
   * `getChannelLayer()` hands out are measured too. Off when absent, and
   * then the server pays one null check per event.
   * @default undefined
   */
  metrics?: ServerObserver
  /**
   * Answers probes on this path before the application sees the request:
   * `GET <healthPath>` is liveness (200 while the process serves), `GET
   * <healthPath>/ready` is readiness (503 while draining or while a channel
   * layer cannot reach Redis). Off when absent.
   * @default undefined
   */
  healthPath?: string
}

/** Options after defaults, as the server reads them. @internal */
export interface ResolvedOptions {
  host: string
  port: number
  socketPath: string | undefined
  rootPath: string
  proxyHeaders: boolean
  pingInterval: number
  pingTimeout: number
  maxMessageSize: number
  perMessageDeflate: boolean | PerMessageDeflateOptions
  handshakeTimeout: number
  httpResponseTimeout: number
  applicationCloseTimeout: number
  sendHighWaterMark: number
  sendBufferLimit: number
  connectionBufferLimit: number
  idleReaderTimeout: number
  maxQueuedMessages: number
  drainWindow: number
  keepAliveTimeout: number
  accessLog: AccessLogTarget
  logger: ServerLogger
  structuredLogger: StructuredLogger | undefined
  metrics: ServerObserver | undefined
  healthPath: string | undefined
}

/** The defaults, frozen so the documentation and the code cannot drift apart silently. */
export const defaultServeOptions: Readonly<
  Required<Omit<ServeOptions, 'socketPath' | 'logger' | 'structuredLogger' | 'metrics' | 'healthPath'>>
> = Object.freeze({
  host: '127.0.0.1',
  port: 8000,
  rootPath: '',
  proxyHeaders: false,
  pingInterval: 20_000,
  pingTimeout: 20_000,
  maxMessageSize: 1024 * 1024,
  perMessageDeflate: false,
  handshakeTimeout: 10_000,
  httpResponseTimeout: 60_000,
  applicationCloseTimeout: 10_000,
  sendHighWaterMark: 64 * 1024,
  sendBufferLimit: 4 * 1024 * 1024,
  connectionBufferLimit: 8 * 1024 * 1024,
  idleReaderTimeout: 30_000,
  maxQueuedMessages: 64,
  drainWindow: 5_000,
  keepAliveTimeout: 5_000,
  accessLog: false,
})

const DURATIONS = [
  'pingInterval',
  'pingTimeout',
  'handshakeTimeout',
  'httpResponseTimeout',
  'applicationCloseTimeout',
  'drainWindow',
  'keepAliveTimeout',
  'idleReaderTimeout',
] as const

const POSITIVE_INTEGERS = [
  'maxMessageSize',
  'sendHighWaterMark',
  'sendBufferLimit',
  'connectionBufferLimit',
  'maxQueuedMessages',
] as const

/**
 * Applies the defaults and checks every option.
 *
 * @throws ImproperlyConfigured naming the first bad option and what it accepts.
 * @internal
 */
export function resolveOptions(options: ServeOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ImproperlyConfigured('serve() options must be an object.')
  }
  const resolved: ResolvedOptions = {
    ...defaultServeOptions,
    socketPath: undefined,
    logger: console,
    structuredLogger: undefined,
    metrics: undefined,
    healthPath: undefined,
    ...withoutUndefined(options),
  }
  if (typeof resolved.host !== 'string' || resolved.host === '') {
    throw new ImproperlyConfigured(`'host' must be a non-empty string, got ${show(resolved.host)}.`)
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new ImproperlyConfigured(`'port' must be an integer from 0 to 65535, got ${show(resolved.port)}.`)
  }
  if (
    resolved.socketPath !== undefined &&
    (typeof resolved.socketPath !== 'string' || !resolved.socketPath)
  ) {
    throw new ImproperlyConfigured(`'socketPath' must be a file path, got ${show(resolved.socketPath)}.`)
  }
  if (
    typeof resolved.rootPath !== 'string' ||
    (resolved.rootPath !== '' && !resolved.rootPath.startsWith('/'))
  ) {
    throw new ImproperlyConfigured(`'rootPath' must be '' or start with '/', got ${show(resolved.rootPath)}.`)
  }
  // A trailing slash would make '/app/' strip one character too many from '/app/x'.
  resolved.rootPath = resolved.rootPath.replace(/\/+$/, '')
  for (const name of DURATIONS) {
    const value = resolved[name]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ImproperlyConfigured(`'${name}' must be a number of milliseconds >= 0, got ${show(value)}.`)
    }
  }
  for (const name of POSITIVE_INTEGERS) {
    const value = resolved[name]
    if (!Number.isInteger(value) || value < 1) {
      throw new ImproperlyConfigured(`'${name}' must be a positive integer, got ${show(value)}.`)
    }
  }
  if (resolved.pingInterval > 0 && resolved.pingTimeout <= 0) {
    throw new ImproperlyConfigured(`'pingTimeout' must be > 0 when pings are on (pingInterval > 0).`)
  }
  if (resolved.sendHighWaterMark > resolved.sendBufferLimit) {
    throw new ImproperlyConfigured(
      `'sendHighWaterMark' (${resolved.sendHighWaterMark}) must not exceed 'sendBufferLimit' ` +
        `(${resolved.sendBufferLimit}): send() would never wait before the connection is closed.`,
    )
  }
  if (resolved.connectionBufferLimit < 2 * resolved.maxMessageSize) {
    throw new ImproperlyConfigured(
      `'connectionBufferLimit' (${resolved.connectionBufferLimit}) must be at least twice 'maxMessageSize' ` +
        `(${resolved.maxMessageSize}), so a message of the largest size can wait while reading pauses; ` +
        `raise 'connectionBufferLimit' (--connection-buffer-limit) or lower 'maxMessageSize'.`,
    )
  }
  if (typeof resolved.proxyHeaders !== 'boolean') {
    throw new ImproperlyConfigured(
      `'proxyHeaders' must be true or false, got ${show(resolved.proxyHeaders)}.`,
    )
  }
  const deflate = resolved.perMessageDeflate
  if (typeof deflate !== 'boolean' && (typeof deflate !== 'object' || deflate === null)) {
    throw new ImproperlyConfigured(`'perMessageDeflate' must be a boolean or an options object.`)
  }
  const log = resolved.accessLog
  if (typeof log !== 'boolean' && typeof log !== 'function' && !isWritable(log)) {
    throw new ImproperlyConfigured(`'accessLog' must be a boolean, a writable stream or a function.`)
  }
  const logger = resolved.logger as Partial<ServerLogger> | null
  if (!logger || typeof logger.error !== 'function' || typeof logger.warn !== 'function') {
    throw new ImproperlyConfigured(`'logger' must have error(), warn() and info() methods (console does).`)
  }
  const records = resolved.structuredLogger as Partial<StructuredLogger> | null | undefined
  if (
    records !== undefined &&
    (!records ||
      typeof records.info !== 'function' ||
      typeof records.error !== 'function' ||
      typeof records.warn !== 'function')
  ) {
    throw new ImproperlyConfigured(
      `'structuredLogger' must have info(), warn() and error() methods (pino does).`,
    )
  }
  const metrics = resolved.metrics as Partial<ServerObserver> | undefined
  if (
    metrics !== undefined &&
    (typeof metrics !== 'object' || typeof metrics?.frameReceived !== 'function')
  ) {
    throw new ImproperlyConfigured(
      `'metrics' must be a ServerMetrics from 'tschannels/metrics' (or a ServerObserver).`,
    )
  }
  const health = resolved.healthPath
  if (
    health !== undefined &&
    (typeof health !== 'string' || !/^\/[^?#\s]*$/.test(health) || health.endsWith('/'))
  ) {
    throw new ImproperlyConfigured(
      `'healthPath' must be a path such as '/healthz' (starting with '/', not ending with one), got ${show(health)}.`,
    )
  }
  return resolved
}

function withoutUndefined(options: ServeOptions): Partial<ResolvedOptions> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value
  return out
}

function isWritable(value: unknown): value is NodeJS.WritableStream {
  return (
    typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function'
  )
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}
