/**
 * Test harness for the chat's contract tests: a chat served by `serve()` on
 * a free loopback port, HTTP helpers on `fetch`, and a `ws` client that
 * queues frames so tests can await them one by one, with timeouts.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { WebSocket } from 'ws'

import { serve } from 'tschannels/server'
import type { ServerHandle } from 'tschannels/server'

import { buildPage } from '../build-page.js'
import { DEFAULT_LIMITS } from '../config.js'
import type { ChatConfig, ChatLimits } from '../config.js'
import { createChat } from '../create-chat.js'
import type { Chat, CreateChatOptions } from '../create-chat.js'

/** A fixed secret for tests, long enough for the settings' check. */
export const TEST_SECRET = 'test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz'

/** A chat served on a free port. */
export interface RunningChat {
  chat: Chat
  server: ServerHandle
  /** `http://127.0.0.1:<port>` */
  base: string
  /** `ws://127.0.0.1:<port>` */
  wsBase: string
  /** The `Origin` a page served by this chat sends. */
  origin: string
  close(): Promise<void>
}

/** What a test may set of the configuration; limits not given keep their defaults. */
export type TestChatConfig = Partial<Omit<ChatConfig, 'limits'>> & { limits?: Partial<ChatLimits> }

/**
 * Serves a chat with a fresh SQLite folder (unless the config names a
 * database). Every limit keeps its default but registrations: the tests
 * register many users from 127.0.0.1.
 */
export async function startChat(
  config: TestChatConfig = {},
  options: CreateChatOptions = {},
): Promise<RunningChat> {
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'chat-test-'))
  const chat = await createChat(
    {
      secretKey: TEST_SECRET,
      allowedHosts: ['127.0.0.1', 'localhost'],
      debug: false,
      redisUrl: undefined,
      databaseUrl: undefined,
      sessionCookieSecure: 'auto',
      ...config,
      dataDir,
      limits: { ...DEFAULT_LIMITS, registrationsPerAddress: 100_000, ...config.limits },
    },
    options,
  )
  const server = await serve(chat.application, { host: '127.0.0.1', port: 0 })
  const address = server.address()
  if (typeof address === 'string') throw new Error('expected a TCP address')
  const base = `http://127.0.0.1:${address.port}`
  return {
    chat,
    server,
    base,
    wsBase: `ws://127.0.0.1:${address.port}`,
    origin: base,
    async close() {
      await server.close()
      await chat.close()
      if (config.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A username no other test uses. */
export function uniqueUser(prefix = 'user'): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`
}

/** A room name no other test uses. */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** The answer to an API call. */
export interface ApiResponse {
  status: number
  headers: Headers
  body: unknown
}

/** Calls the API with a JSON body (when given) and parses the JSON answer. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed }
}

export const PASSWORD = 'correct horse battery'

/** Registers `username` (with `PASSWORD`). */
export async function register(base: string, username: string): Promise<void> {
  const response = await api(base, 'POST', '/api/register', { username, password: PASSWORD })
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status}`)
}

/** Registers and logs in; returns the `sessionid=…` cookie pair. */
export async function sessionCookie(base: string, username: string): Promise<string> {
  await register(base, username)
  const response = await api(base, 'POST', '/api/login', { username, password: PASSWORD })
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sessionid='))
  if (response.status !== 200 || cookie === undefined)
    throw new Error(`login ${username}: ${response.status}`)
  return cookie.split(';')[0]!
}

/** Registers and gets a token pair. */
export async function tokens(base: string, username: string): Promise<{ access: string; refresh: string }> {
  await register(base, username)
  const response = await api(base, 'POST', '/api/token', { username, password: PASSWORD })
  if (response.status !== 200) throw new Error(`token ${username}: ${response.status}`)
  return response.body as { access: string; refresh: string }
}

/** How a WebSocket attempt ended before opening. */
export interface Refusal {
  status: number
}

/** A `ws` client whose frames queue up for `next()`. */
export class TestSocket {
  readonly socket: WebSocket
  readonly closed: Promise<{ code: number; reason: string }>
  readonly #frames: unknown[] = []
  readonly #waiters: (() => void)[] = []

  constructor(socket: WebSocket) {
    this.socket = socket
    socket.on('message', (data, isBinary) => {
      this.#frames.push(isBinary ? data : JSON.parse((data as Buffer).toString('utf8')))
      this.#waiters.splice(0).forEach((wake) => wake())
    })
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) })
        this.#waiters.splice(0).forEach((wake) => wake())
      })
    })
  }

  /** Opens a socket; rejects with the HTTP status when the handshake is refused. */
  static async open(
    url: string,
    options: { origin?: string; headers?: Record<string, string>; protocols?: string[] } = {},
  ): Promise<TestSocket> {
    const socket = new WebSocket(url, options.protocols ?? [], {
      headers: { ...(options.origin !== undefined ? { origin: options.origin } : {}), ...options.headers },
      handshakeTimeout: 5000,
    })
    const client = new TestSocket(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('unexpected-response', (_request, response) => {
        reject(
          Object.assign(new Error(`handshake refused: ${response.statusCode}`), {
            status: response.statusCode,
          }),
        )
        socket.terminate()
      })
      socket.once('error', reject)
    })
    return client
  }

  /** The next frame (parsed JSON, or a Buffer for binary), waiting at most `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    while (this.#frames.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error('socket closed while waiting for a frame')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.#frames.shift() as Record<string, unknown>
  }

  /** The next frame whose `action` is `action`, skipping others. */
  async nextAction(action: string, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (let i = 0; i < 10_000; i++) {
      const frame = await this.next(Math.max(1, deadline - Date.now()))
      if (frame.action === action) return frame
    }
    throw new Error(`no ${action} frame`)
  }

  /** True when no frame arrives within `ms`. */
  async nothing(ms = 200): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms))
    return this.#frames.length === 0
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  /** Closes and waits for the close to complete (bounded). */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return
    this.socket.close(1000)
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000))
    await Promise.race([this.closed, timeout])
    this.socket.terminate()
  }
}

/** Opens `/ws/chat/<room>/` with a session cookie and reads the `members` presence. */
export async function joinWithCookie(
  running: RunningChat,
  room: string,
  cookie: string,
): Promise<{ socket: TestSocket; members: string[] }> {
  const socket = await TestSocket.open(`${running.wsBase}/ws/chat/${room}/`, {
    origin: running.origin,
    headers: { cookie },
  })
  const frame = await socket.next()
  const data = frame.data as { members?: string[] }
  if (frame.action !== 'presence' || data.members === undefined)
    throw new Error(`expected members, got ${JSON.stringify(frame)}`)
  return { socket, members: data.members }
}

/**
 * Builds the page when `public/js` is missing (a fresh clone) or older than
 * a source in `web/` or the client it bundles, so the browser never runs a
 * stale build.
 */
export function buildPageIfStale(): void {
  const built = fileURLToPath(new URL('../public/js/main.js', import.meta.url))
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : -Infinity
  const folders = [new URL('../web', import.meta.url), new URL('../../../src/client', import.meta.url)]
  const sources = folders.flatMap((folder) => {
    const root = fileURLToPath(folder)
    return readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(root, name))
  })
  if (sources.every((source) => statSync(source).mtimeMs <= builtAt)) return
  buildPage()
}
