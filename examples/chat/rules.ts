/**
 * The contract's validation rules and limits, in one place.
 *
 * @module
 */

/** Room names in `/ws/chat/<room>/` and `/api/rooms/<room>/messages`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** Usernames `POST /api/register` accepts (before they are made canonical). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128
/** Longest message text, in characters, after trimming. */
export const TEXT_MAX = 4096
/** History page size when none is asked for, and the most one page holds. */
export const HISTORY_DEFAULT = 50
export const HISTORY_MAX = 200

/**
 * The form a username is stored, compared and shown in: NFKC-normalised, as
 * Django's `normalize_username` leaves it (`Ａｌｉｃｅ` is `Alice`), then in
 * lower case, so that `Alice` and `alice` are one account and nobody can
 * pass for someone else by case alone.
 */
export function canonicalUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase()
}

/** The channel-layer group of a room. Room names are valid group-name characters by construction. */
export function roomGroup(room: string): string {
  return `chat.room.${room}`
}

/** Length in Unicode characters (code points), not UTF-16 units, counting only as far as needed. */
export function characterCount(text: string, max: number): number {
  // A string of at most `max` units has at most `max` characters: the common case costs nothing.
  if (text.length <= max) return text.length
  let count = 0
  for (const _ of text) if (++count > max) break
  return count
}

// A NUL (PostgreSQL text cannot hold one) or a lone surrogate (UTF-8 cannot
// encode one: the database would store U+FFFD instead of what was broadcast).
const LONE_SURROGATE = /\p{Cs}/u

/**
 * Whether every database stores `text` exactly as it was sent, so that the
 * history and the broadcast agree, whatever the engine.
 */
export function storable(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text)
}

/** Plain JSON objects only: not arrays, not null. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a history request's `limit` and `before` (numbers, or strings from a
 * query). Returns `null` when either is malformed; a `limit` above the
 * maximum is lowered to it.
 */
export function historyParams(
  limit: unknown,
  before: unknown,
): { limit: number; before: number | undefined } | null {
  const parsedLimit =
    limit === undefined || limit === null || limit === '' ? HISTORY_DEFAULT : toInteger(limit)
  const parsedBefore =
    before === undefined || before === null || before === '' ? undefined : toInteger(before)
  if (parsedLimit === null || parsedLimit < 1) return null
  if (parsedBefore === null || (parsedBefore !== undefined && parsedBefore < 1)) return null
  return { limit: Math.min(parsedLimit, HISTORY_MAX), before: parsedBefore }
}

function toInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
  return null
}
