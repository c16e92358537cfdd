/**
 * What the user reads for each error the contract defines. The codes are
 * stable; the words are the page's.
 *
 * @module
 */

import { ApiError } from './api.js'

/** `{"action": "error", "data": {"code"}}` from the chat socket. */
const SOCKET_ERRORS: Record<string, string> = {
  invalid_json: 'The server could not read that message (invalid JSON).',
  unknown_action: 'The server did not understand that request.',
  invalid_message: 'Messages must be 1 to 4096 characters long.',
  unsupported: 'The server only accepts text messages.',
  rate_limited: 'You are sending too fast. Slow down, or you will be disconnected.',
}

export function socketErrorText(code: string): string {
  return SOCKET_ERRORS[code] ?? `The server reported an error (${code}).`
}

/**
 * HTTP error codes whose server message is less helpful than ours. Not
 * `rate_limited`: the server's message says how long to wait.
 */
const HTTP_ERRORS: Record<string, string> = {
  bad_credentials: 'Wrong username or password.',
  taken: 'That username is already taken. Pick another, or log in.',
  network: 'The server could not be reached. Check that it is running.',
}

/** A sentence for any failure thrown by the API client. */
export function httpErrorText(error: unknown): string {
  if (error instanceof ApiError) return HTTP_ERRORS[error.code] ?? error.message
  return error instanceof Error ? error.message : String(error)
}
