/**
 * The chat contract as the page sees it: HTTP bodies, WebSocket
 * events and close codes. Everything that crosses the wire is typed here and
 * nowhere else.
 *
 * @module
 */

/** Room names the server accepts in `/ws/chat/<room>/` and `/api/rooms/<room>/messages`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Usernames `POST /api/register` accepts. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128
export const TEXT_MAX = 4096

/** Close codes the server uses on the chat socket. */
export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_RATE_LIMITED = 4429
export const CLOSE_POLICY = 1008
/** The user (or this address) already holds as many chat sockets as the server allows. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4008

/**
 * A stored message, as `GET /api/rooms/<room>/messages` and the `history`
 * action return it. `time` is epoch seconds or an ISO string: the contract
 * does not pin the format, so the page accepts both.
 */
export interface ChatMessage {
  id: number
  username: string
  text: string
  time: number | string
}

/** The `data` of a live `message` event: a stored message plus the sender's channel name. */
export interface LiveMessage extends ChatMessage {
  uid: string
}

/** The `data` of a `presence` event: exactly one of the three keys is present. */
export interface Presence {
  members?: string[]
  joined?: string
  left?: string
}

export type ErrorCode = 'invalid_json' | 'unknown_action' | 'invalid_message' | 'unsupported' | 'rate_limited'

/** Server -> client messages on `/ws/chat/<room>/`. */
export type ServerEvent =
  | { action: 'message'; data: LiveMessage; time?: number }
  | { action: 'presence'; data: Presence }
  | { action: 'userinfo'; data: { username: string; uid: string } }
  | { action: 'history'; data: { messages: ChatMessage[] } }
  | { action: 'error'; data: { code: ErrorCode | (string & {}) } }

/** Client -> server messages. */
export type ClientAction =
  | { action: 'message'; data: { text: string } }
  | { action: 'userinfo' }
  | { action: 'history'; data: { before?: number; limit?: number } }

/** The HTTP error body: `{"error": {"code", "message"}}`. */
export interface ErrorBody {
  error: { code: string; message: string }
}

/**
 * Reads one parsed frame as a `ServerEvent`, or `undefined` for anything
 * that is not an object with a string `action`: a misbehaving server must not
 * take the page down.
 */
export function parseServerEvent(value: unknown): ServerEvent | undefined {
  if (!isRecord(value) || typeof value.action !== 'string') return undefined
  if (!isRecord(value.data) && value.data !== undefined) return undefined
  return value as unknown as ServerEvent
}

/** True for a message object with the fields the page renders. */
export function isChatMessage(value: unknown): value is ChatMessage {
  return (
    isRecord(value) &&
    typeof value.id === 'number' &&
    typeof value.username === 'string' &&
    typeof value.text === 'string'
  )
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
