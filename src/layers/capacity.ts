/**
 * Per-channel capacity: the `channelCapacity` option compiled once into a
 * list of regular expressions, looked up when a channel is first used.
 *
 * Glob strings follow Python's `fnmatch` (what Channels and `channels_redis`
 * use), so one `CHANNEL_LAYERS`-style setting means the same thing in a
 * Django service and here: `*` matches any run of characters, `?` one
 * character, `[abc]`/`[a-z]` a set, `[!abc]` its complement, and the whole
 * name must match.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { ChannelCapacity } from './channel-layer.js'

/** One compiled `channelCapacity` entry. */
export type CapacityRule = readonly [pattern: RegExp, capacity: number]

/**
 * Compiles a `channelCapacity` option into rules, keeping their order (the
 * first match wins). Glob strings become anchored regexes; a `RegExp` is kept
 * as written (so it matches anywhere unless it uses `^`/`$`), minus the `g`
 * and `y` flags whose `lastIndex` state would make `test()` alternate.
 *
 * @param channelCapacity - The option as the user gave it.
 * @param option - The option's name, for error messages.
 * @throws ImproperlyConfigured when the shape, a pattern or a capacity is invalid.
 */
export function compileChannelCapacity(
  channelCapacity: ChannelCapacity | undefined,
  option = 'channelCapacity',
): CapacityRule[] {
  if (channelCapacity === undefined || channelCapacity === null) return []
  if (typeof channelCapacity !== 'object') {
    throw new ImproperlyConfigured(
      `${option} must be an object of glob patterns ({ 'http.response!*': 10 }) or a list of ` +
        `[pattern, capacity] pairs; got a value of type ${typeof channelCapacity}.`,
    )
  }
  const entries: ReadonlyArray<readonly [unknown, unknown]> = Array.isArray(channelCapacity)
    ? (channelCapacity as ReadonlyArray<readonly [unknown, unknown]>)
    : Object.entries(channelCapacity)
  return entries.map((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new ImproperlyConfigured(`${option}[${index}] must be a [pattern, capacity] pair.`)
    }
    const [pattern, capacity] = entry as readonly [unknown, unknown]
    const where = `${option} entry ${typeof pattern === 'string' ? `'${pattern}'` : `#${index}`}`
    requireValidCapacity(capacity, where)
    if (pattern instanceof RegExp)
      return [new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')), capacity]
    if (typeof pattern === 'string') return [globToRegExp(pattern), capacity]
    throw new ImproperlyConfigured(`${where}: a pattern must be a glob string or a RegExp.`)
  })
}

/**
 * The capacity of `channel`: the first rule whose pattern matches, else
 * `fallback` (the layer's `capacity`).
 */
export function capacityFor(channel: string, rules: readonly CapacityRule[], fallback: number): number {
  for (const [pattern, capacity] of rules) if (pattern.test(channel)) return capacity
  return fallback
}

/**
 * Throws `ImproperlyConfigured` unless `value` is a capacity: a positive
 * integer, or `Infinity` for an unbounded channel.
 */
export function requireValidCapacity(value: unknown, option: string): asserts value is number {
  const ok = typeof value === 'number' && value >= 1 && (Number.isInteger(value) || value === Infinity)
  if (!ok) {
    throw new ImproperlyConfigured(
      `${option} must be a positive integer (or Infinity for no limit); got ${String(value)}.`,
    )
  }
}

/**
 * Translates an `fnmatch` glob into an anchored regex. Every character that
 * is not a wildcard is escaped, so `.` in channel names stays literal.
 */
export function globToRegExp(glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!
    if (char === '*') source += '.*'
    else if (char === '?') source += '.'
    else if (char === '[') {
      const end = classEnd(glob, i)
      // An unclosed `[` is a literal bracket, as in fnmatch.
      if (end === -1) source += '\\['
      else {
        let body = glob.slice(i + 1, end)
        const negated = body.startsWith('!')
        if (negated) body = body.slice(1)
        source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
        i = end
      }
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 's')
}

/** Index of the `]` closing the set opened at `start`, or -1. A `]` first in the set is literal. */
function classEnd(glob: string, start: number): number {
  let j = start + 1
  if (glob[j] === '!') j++
  if (glob[j] === ']') j++
  const end = glob.indexOf(']', j)
  return end
}
