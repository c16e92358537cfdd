/**
 * The close-code taxonomy: what a client does when the server (or the
 * network) closes its connection. A final code means a retry cannot help
 * (the user is not logged in, the client broke a rule); every other code
 * reconnects. docs/client.md has the table.
 *
 * @module
 */

/** What to do after a close. */
export type CloseAction =
  /** Stop: only a user action (logging in, a new client) can help. */
  | { kind: 'final' }
  /** Reconnect after the backoff delay. */
  | { kind: 'backoff' }
  /** The server is draining (1001, 1012): reconnect after a random delay in the drain window. */
  | { kind: 'drain' }
  /** The server said when to come back (4429 with `retry-after=<seconds>`), or the default pause. */
  | { kind: 'later'; seconds: number | undefined }

/** A 4429 close reason may end in `retry-after=<seconds>`; `retryAfterReason()` writes one. */
const RETRY_AFTER = /retry-after=(\d+(?:\.\d+)?)/

/**
 * Sorts a close code into the taxonomy.
 *
 * - final: 1000 (the server ended the session), 1002, 1003, 1007, 1008
 *   (policy), 1009, 1010, 3000-3999 and 4000-4499 (4401 unauthenticated,
 *   4403 forbidden and the other application refusals), except 4429;
 * - drain: 1001 (going away) and 1012 (service restart), a staggered return;
 * - later: 4429 (rate limited), after the server's `retry-after`;
 * - backoff: everything else, among them 1005, 1006 (the connection was
 *   lost), 1011 (server error), 1013 (try again later), 1014 and 4500-4999
 *   (transient application errors).
 *
 * @example
 * ```ts
 * import { closeAction } from 'tschannels/client'
 *
 * closeAction(4429, 'Too many messages; retry-after=30') // { kind: 'later', seconds: 30 }
 * ```
 */
export function closeAction(code: number, reason = ''): CloseAction {
  if (code === 4429) {
    const match = RETRY_AFTER.exec(reason)
    return { kind: 'later', seconds: match ? Number(match[1]) : undefined }
  }
  if (code === 1001 || code === 1012) return { kind: 'drain' }
  if (FINAL_CODES.includes(code) || (code >= 3000 && code < 4500)) return { kind: 'final' }
  return { kind: 'backoff' }
}

/**
 * A close reason that tells `ChannelsClient` when to come back after a 4429:
 * `retryAfterReason('Too many messages', 30)` is
 * `'Too many messages; retry-after=30'`.
 *
 * @example
 * ```ts
 * import { retryAfterReason } from 'tschannels/client'
 *
 * const reason = retryAfterReason('Too many messages', 30)
 * ```
 */
export function retryAfterReason(text: string, seconds: number): string {
  return `${text}; retry-after=${Math.ceil(seconds)}`
}

const FINAL_CODES = [1000, 1002, 1003, 1007, 1008, 1009, 1010]
