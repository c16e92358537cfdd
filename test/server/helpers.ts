/**
 * Helpers for the server's integration tests: a server on an ephemeral
 * loopback port that closes itself when the test ends, a `ws` client that
 * reports how its handshake ended, and raw requests over `node:net`.
 *
 * @module
 */

import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'

import { onTestFinished } from 'vitest'
import WebSocket from 'ws'
import type { ClientOptions } from 'ws'

import { serve } from 'tschannels/server'
import type { ServeOptions, ServerHandle, ServerLogger } from 'tschannels/server'
import type { Application } from '../../src/types.js'

/** A logger that keeps what it was told, for assertions, instead of printing. */
export function quietLogger(): ServerLogger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    error: (message) => void lines.push(`error: ${message}`),
    warn: (message) => void lines.push(`warn: ${message}`),
    info: (message) => void lines.push(`info: ${message}`),
  }
}

const CONNECTION_SUFFIX = / \(connection [0-9a-f]{6}-[0-9a-z]+\)$/

/**
 * `lines` without the connection id each message about a connection ends
 * with; fails when a line does not name one.
 */
export function withoutConnectionIds(lines: readonly string[]): string[] {
  return lines.map((line) => {
    if (!CONNECTION_SUFFIX.test(line)) throw new Error(`This log line names no connection: ${line}`)
    return line.replace(CONNECTION_SUFFIX, '')
  })
}

/** Serves `app` on 127.0.0.1 port 0 and closes it when the test ends. */
export async function startServer(
  app: Application,
  options: ServeOptions = {},
): Promise<{ server: ServerHandle; port: number; url: string; ws: string }> {
  const server = await serve(app, {
    host: '127.0.0.1',
    port: 0,
    logger: quietLogger(),
    drainWindow: 0,
    applicationCloseTimeout: 1000,
    ...options,
  })
  onTestFinished(() => server.close())
  const { port } = server.address() as AddressInfo
  return { server, port, url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` }
}

/** How a client handshake ended. */
export type HandshakeResult =
  | {
      kind: 'open'
      socket: WebSocket
      protocol: string
      headers: Record<string, string | string[] | undefined>
    }
  | { kind: 'rejected'; status: number; body: string; headers: Record<string, string | string[] | undefined> }
  | { kind: 'error'; error: Error }

/** Opens a `ws` client; resolves with how the handshake ended. Closed when the test ends. */
export function openClient(
  url: string,
  protocols?: string[],
  options: ClientOptions = {},
): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocols, options)
    onTestFinished(() => socket.terminate())
    socket.once('upgrade', (res) => {
      socket.once('open', () =>
        resolve({ kind: 'open', socket, protocol: socket.protocol, headers: res.headers }),
      )
    })
    socket.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ kind: 'rejected', status: res.statusCode ?? 0, body, headers: res.headers }),
      )
      res.on('error', () =>
        resolve({ kind: 'rejected', status: res.statusCode ?? 0, body, headers: res.headers }),
      )
    })
    socket.once('error', (error) => resolve({ kind: 'error', error }))
  })
}

/** Expects an open client and returns its socket. */
export async function openSocket(
  url: string,
  protocols?: string[],
  options?: ClientOptions,
): Promise<WebSocket> {
  const result = await openClient(url, protocols, options)
  if (result.kind !== 'open')
    throw new Error(`expected the handshake to succeed, got ${JSON.stringify(result)}`)
  return result.socket
}

/** Resolves with the close code and reason the client saw. */
export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
}

/** The next message a client receives, as text. */
export function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())))
}

/** Sends raw bytes and resolves with everything the server answered before closing (or after `waitMs`). */
export function rawExchange(port: number, bytes: Buffer | string, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    onTestFinished(() => void socket.destroy())
    let answer = ''
    const timer = setTimeout(() => socket.end(), waitMs)
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)
  })
}

/** A deferred value, for tests that hand events from an application to the test. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Waits until `condition()` holds, checking every 10 ms, for at most `timeout` ms. */
export async function waitFor(condition: () => boolean, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
