/**
 * The HTTP API client. The page is served from the same origin as the API, so
 * it authenticates with the `sessionid` cookie (`POST /api/login`) rather
 * than with tokens: the cookie is HttpOnly, so no credential is ever
 * readable by page scripts, and the WebSocket handshake carries it too.
 *
 * @module
 */

import { isChatMessage, isRecord } from './types.js'
import type { ChatMessage } from './types.js'

/** A failed request: `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

export interface User {
  username: string
}

/** `POST /api/register`: creates the account; does not log in. */
export async function register(username: string, password: string): Promise<User> {
  const body = await request('POST', '/api/register', { username, password })
  return asUser(body)
}

/** `POST /api/login`: sets the session cookie. */
export async function login(username: string, password: string): Promise<User> {
  const body = await request('POST', '/api/login', { username, password })
  return asUser(body)
}

/** `POST /api/logout`: drops the session cookie. */
export async function logout(): Promise<void> {
  await request('POST', '/api/logout')
}

/** `GET /api/me`: the logged-in user, or `undefined` when the session is missing or expired. */
export async function me(): Promise<User | undefined> {
  try {
    return asUser(await request('GET', '/api/me'))
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined
    throw error
  }
}

/**
 * `GET /api/rooms/<room>/messages`: the newest `limit` messages with an id
 * below `before` (all of them when `before` is omitted), oldest first.
 */
export async function roomMessages(room: string, limit: number, before?: number): Promise<ChatMessage[]> {
  const query = new URLSearchParams({ limit: String(limit) })
  if (before !== undefined) query.set('before', String(before))
  const body = await request('GET', `/api/rooms/${encodeURIComponent(room)}/messages?${query.toString()}`)
  if (!isRecord(body) || !Array.isArray(body.messages)) throw malformed()
  return body.messages.filter(isChatMessage)
}

async function request(method: string, path: string, json?: unknown): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: json === undefined ? { accept: 'application/json' } : jsonHeaders,
      body: json === undefined ? null : JSON.stringify(json),
    })
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached.')
  }
  // 204 and other empty bodies are fine; an unparsable body is only an error on failure.
  const text = await response.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  if (response.ok) return body
  const error = isRecord(body) && isRecord(body.error) ? body.error : {}
  throw new ApiError(
    response.status,
    typeof error.code === 'string' ? error.code : `http_${response.status}`,
    typeof error.message === 'string' ? error.message : `${response.status} ${response.statusText}`.trim(),
  )
}

const jsonHeaders = { accept: 'application/json', 'content-type': 'application/json' }

function asUser(body: unknown): User {
  if (!isRecord(body) || typeof body.username !== 'string') throw malformed()
  return { username: body.username }
}

function malformed(): ApiError {
  return new ApiError(0, 'malformed', 'The server sent an unexpected response.')
}
