/**
 * The frames `ChannelsClient` and a server consumer exchange besides the
 * application's own, in one place so that both sides (and docs/client.md)
 * name the same keys. Every one is a JSON object; none is binary.
 *
 * @module
 */

/** Where a reader is in one group's history: the epoch of the history and the last offset read. */
export interface StreamPosition {
  epoch: string
  offset: number
}

/** The `__position` a message from a group with history carries. */
export interface GroupPosition extends StreamPosition {
  group: string
}

/** Client → server, first frame after a reconnect: the last position read in each group. */
export interface ResumeFrame {
  type: 'resume'
  positions: Record<string, StreamPosition>
}

/** What the server did with one group of a `resume` frame. */
export interface GroupRecovery extends StreamPosition {
  /** True when every message after the client's position is on its way, in order; false: refetch. */
  recovered: boolean
}

/** Server → client, the answer to `resume`. */
export interface ResumedFrame {
  type: 'resumed'
  /** For each group the client had a position in: what the server recovered. */
  groups: Record<string, GroupRecovery>
  /** For each group joined afresh: where its history stands, the client's first position. */
  positions?: Record<string, StreamPosition>
}

/** The heartbeat: the client sends `PING_FRAME` after a quiet spell and the server answers `PONG_FRAME`. */
export const PING_FRAME = '{"type":"ping"}'
/** The server's answer to `PING_FRAME`. */
export const PONG_FRAME = '{"type":"pong"}'

/** The key a request carries its id under, and the key its reply repeats it under. */
export const REQUEST_KEY = '__request'
/** The key a reply repeats its request's id under. */
export const REPLY_KEY = '__reply'
/** The key of a group message's position. */
export const POSITION_KEY = '__position'

/** A request as the server receives it: the client's value with `__request`. */
export interface RequestFrame {
  __request: number | string
  [key: string]: unknown
}

/** True for a plain object (not an array, not null). @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The position a server message carries, or `undefined`. @internal */
export function positionOf(value: unknown): GroupPosition | undefined {
  const position = isRecord(value) ? value[POSITION_KEY] : undefined
  return isRecord(position) &&
    typeof position.group === 'string' &&
    typeof position.epoch === 'string' &&
    typeof position.offset === 'number'
    ? (position as unknown as GroupPosition)
    : undefined
}
