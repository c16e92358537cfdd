/**
 * The WebSocket close codes the server sends or reports, in one place so
 * the code and `docs/server.md` (which says which of them mean "reconnect")
 * name the same numbers.
 *
 * @module
 */

import { InvalidEvent } from '../errors.js'

/** Close codes used by the server (RFC 6455 section 7.4.1 and the IANA registry). */
export const CloseCode = Object.freeze({
  /** The application closed normally, or returned after accepting. */
  NORMAL: 1000,
  /** The server is shutting down; reconnect (to another instance) after a short random delay. */
  GOING_AWAY: 1001,
  /** The client broke the WebSocket protocol (bad framing, bad close code). */
  PROTOCOL_ERROR: 1002,
  /** Reported to the application when the peer sent a close frame without a code. */
  NO_STATUS: 1005,
  /** Reported to the application when the connection ended without a close frame (network loss, dead peer). */
  ABNORMAL: 1006,
  /** A text message was not valid UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** The client sent a message in too many fragments or chunks. */
  POLICY_VIOLATION: 1008,
  /** A message was larger than `maxMessageSize`. */
  MESSAGE_TOO_BIG: 1009,
  /** The application raised an error after accepting. */
  INTERNAL_ERROR: 1011,
  /** The client read too slowly or stopped reading, or the connection held too much (`sendBufferLimit`, `connectionBufferLimit`, `idleReaderTimeout`); reconnect with backoff. */
  TRY_AGAIN_LATER: 1013,
} as const)

/** True for codes an application may put in `websocket.close`: 1000, or 3000-4999. @internal */
export function isValidCloseCode(code: unknown): code is number {
  return code === 1000 || (Number.isInteger(code) && (code as number) >= 3000 && (code as number) <= 4999)
}

const MAX_REASON_BYTES = 123

/**
 * Checks the code and reason of an application's `websocket.close`.
 *
 * @throws InvalidEvent for a code other than 1000 or 3000-4999, or a reason over 123 UTF-8 bytes.
 * @internal
 */
export function checkCloseEvent(message: { code?: unknown; reason?: unknown }): {
  code: number
  reason: string
} {
  const { code = CloseCode.NORMAL, reason = '' } = message
  if (!isValidCloseCode(code)) {
    throw new InvalidEvent(`Close code ${String(code)} is not allowed; use 1000 or 3000-4999.`)
  }
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > MAX_REASON_BYTES) {
    throw new InvalidEvent(`A close reason must be a string of at most ${MAX_REASON_BYTES} UTF-8 bytes.`)
  }
  return { code, reason }
}

const CODE_BY_ERROR: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: CloseCode.POLICY_VIOLATION,
}

/**
 * The close code `ws` sent when it failed a connection for a protocol error.
 * `ws` keeps it under a private Symbol; reading the documented error `code`
 * instead keeps us off its internals.
 * @internal
 */
export function closeCodeOfError(error: Error): number {
  const code = (error as Error & { code?: string }).code
  return (code !== undefined && CODE_BY_ERROR[code]) || CloseCode.PROTOCOL_ERROR
}
