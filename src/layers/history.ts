/**
 * Group history: the opt-in record a layer keeps of a group's recent
 * messages, so that a member that lost its connection can rejoin where it
 * left off. Each message of a group with history gets an offset (one more
 * than the previous message of that group) and the group an epoch, a random
 * name that changes whenever its history is lost; `{ epoch, offset }` is
 * where a member stands. Every layer compiles the `history` option with
 * these functions, so they agree on its shape and on its errors.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { ImproperlyConfigured } from '../errors.js'
import type { LayerMessage } from '../types.js'
import { globToRegExp } from './capacity.js'

/** How much history one group keeps: at most `size` messages, dropped `ttl` seconds after the last one. */
export interface GroupHistorySettings {
  /** Messages kept; older ones are dropped as new ones come. */
  size: number
  /**
   * Seconds the history lives after the group's last message: a group that
   * stays silent this long loses it, and gets a new epoch.
   */
  ttl: number
}

/**
 * Which groups keep history, in the shape of `channelCapacity`: an object of
 * glob patterns (`{ 'room.*': { size: 100, ttl: 300 } }`) or a list of
 * `[pattern, settings]` pairs where a pattern may be a `RegExp`. The first
 * match wins; a group that matches nothing keeps none (at-most-once, as in
 * Channels).
 */
export type GroupHistoryConfig =
  Record<string, GroupHistorySettings> | ReadonlyArray<readonly [string | RegExp, GroupHistorySettings]>

/** Where a member stands in a group's stream: the group's epoch and the offset of the last message it has. */
export interface StreamPosition {
  epoch: string
  offset: number
}

/** The `__position` a message of a group with history carries: which group, its epoch, and the message's offset. */
export interface MessagePosition extends StreamPosition {
  group: string
}

/** Options of `groupAdd()`. */
export interface GroupAddOptions {
  /**
   * Where the channel stood in the group: the messages after it are put on
   * the channel, in order and before any live message, when the group's
   * history still holds them (same epoch, nothing trimmed).
   */
  since?: StreamPosition
}

/**
 * What `groupAdd()` reports: the group's current epoch and last offset, and
 * whether the messages missed since `options.since` were put on the channel.
 * `recovered` is `false` when no `since` was given, when the position is of
 * another epoch, ahead of the group, or older than what the history keeps:
 * then the application refetches what it needs. A group without history
 * answers `{ recovered: false, epoch: '', offset: 0 }`.
 */
export interface GroupJoin {
  recovered: boolean
  epoch: string
  offset: number
}

/** The key a group message carries its position under. */
export const POSITION_KEY = '__position'

/** What `groupAdd()` answers for a group that keeps no history. */
export const NO_HISTORY: GroupJoin = Object.freeze({ recovered: false, epoch: '', offset: 0 })

/** One compiled `history` entry: the pattern, the size, and the time to live in ms. */
export type HistoryRule = readonly [pattern: RegExp, size: number, ttlMs: number]

/**
 * Compiles a `history` option into rules, in order (the first match wins).
 *
 * @throws ImproperlyConfigured when the shape, a pattern or a setting is invalid.
 * @internal
 */
export function compileHistory(config: GroupHistoryConfig | undefined, option: string): HistoryRule[] {
  if (config === undefined || config === null) return []
  if (typeof config !== 'object') {
    throw new ImproperlyConfigured(
      `${option} must be an object of glob patterns ({ 'room.*': { size: 100, ttl: 300 } }) or a list of ` +
        `[pattern, { size, ttl }] pairs; got a value of type ${typeof config}.`,
    )
  }
  const entries: ReadonlyArray<readonly [unknown, unknown]> = Array.isArray(config)
    ? (config as ReadonlyArray<readonly [unknown, unknown]>)
    : Object.entries(config)
  return entries.map((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new ImproperlyConfigured(`${option}[${index}] must be a [pattern, { size, ttl }] pair.`)
    }
    const [pattern, settings] = entry as readonly [unknown, unknown]
    const where = `${option} entry ${typeof pattern === 'string' ? `'${pattern}'` : `#${index}`}`
    const { size, ttl } = (settings ?? {}) as Partial<GroupHistorySettings>
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      throw new ImproperlyConfigured(`${where}: 'size' must be a positive integer; got ${String(size)}.`)
    }
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new ImproperlyConfigured(
        `${where}: 'ttl' must be a positive number of seconds; got ${String(ttl)}.`,
      )
    }
    const ttlMs = Math.max(1, Math.round(ttl * 1000))
    if (pattern instanceof RegExp)
      return [new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')), size, ttlMs]
    if (typeof pattern === 'string') return [globToRegExp(pattern), size, ttlMs]
    throw new ImproperlyConfigured(`${where}: a pattern must be a glob string or a RegExp.`)
  })
}

/** The rule that applies to `group`, or `undefined` when it keeps no history. @internal */
export function historyFor(group: string, rules: readonly HistoryRule[]): HistoryRule | undefined {
  for (const rule of rules) if (rule[0].test(group)) return rule
  return undefined
}

/** A fresh epoch: random, so that no two histories of a group ever share one. @internal */
export function newEpoch(): string {
  return randomBytes(9).toString('base64url')
}

const COUNTER_LIMIT = 36 ** 4
let epochBase = randomBytes(6).toString('base64url')
let epochCounter = 0

/**
 * An epoch for a Redis script to use if it finds the history lost: 12
 * characters, never the same twice (a random part and a counter), without
 * a call for random bytes on every message.
 *
 * @internal
 */
export function epochCandidate(): string {
  if (epochCounter === COUNTER_LIMIT) {
    epochBase = randomBytes(6).toString('base64url')
    epochCounter = 0
  }
  return epochBase + (epochCounter++).toString(36).padStart(4, '0')
}

/**
 * `message` carrying `position` as its last key. A message that already
 * carries a position (one received from another group, sent on) has it
 * replaced.
 *
 * @internal
 */
export function withPosition(message: LayerMessage, position: MessagePosition): LayerMessage {
  return { ...withoutPosition(message), [POSITION_KEY]: position }
}

/** `message` without a `__position` key (itself when it has none). @internal */
export function withoutPosition(message: LayerMessage): LayerMessage {
  if (!Object.hasOwn(message, POSITION_KEY)) return message
  const { [POSITION_KEY]: _dropped, ...rest } = message
  return rest
}

/** The position a received message carries, if it is a well-formed one. @internal */
export function positionOf(message: LayerMessage): MessagePosition | undefined {
  const position = message[POSITION_KEY] as Partial<MessagePosition> | undefined
  if (typeof position !== 'object' || position === null) return undefined
  if (typeof position.group !== 'string' || typeof position.offset !== 'number') return undefined
  return position as MessagePosition
}

/**
 * Whether `since` is a position a caller could have been given: an epoch
 * string and a non-negative integer offset. Anything else (it comes from a
 * client) is treated as unknown: `recovered: false`.
 *
 * @internal
 */
export function isStreamPosition(since: unknown): since is StreamPosition {
  if (typeof since !== 'object' || since === null) return false
  const { epoch, offset } = since as Partial<StreamPosition>
  return (
    typeof epoch === 'string' &&
    epoch.length > 0 &&
    epoch.length <= 64 &&
    typeof offset === 'number' &&
    Number.isSafeInteger(offset) &&
    offset >= 0
  )
}
