/**
 * Checks `ChannelLayerOptions` and fills in the defaults, once, in a layer's
 * constructor, so a typo in a setting fails at start-up rather than on the
 * first message. Every layer uses it, so they agree on defaults and errors.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { compileChannelCapacity, requireValidCapacity, type CapacityRule } from './capacity.js'
import type { ChannelLayerOptions } from './channel-layer.js'
import { compileHistory, type HistoryRule } from './history.js'

/** The defaults of `ChannelLayerOptions`, the same as Channels'. */
export const LAYER_DEFAULTS = Object.freeze({
  expiry: 60,
  groupExpiry: 86_400,
  capacity: 100,
  presenceTtl: 30,
})

/** The option names every layer understands. */
export const LAYER_OPTION_NAMES: readonly string[] = Object.freeze([
  'expiry',
  'groupExpiry',
  'capacity',
  'channelCapacity',
  'history',
  'presenceTtl',
])

/** `ChannelLayerOptions` after validation, with defaults applied and patterns compiled. */
export interface ResolvedLayerOptions {
  /** Seconds. */
  readonly expiry: number
  /** Seconds. */
  readonly groupExpiry: number
  readonly capacity: number
  readonly channelCapacity: readonly CapacityRule[]
  /** The `history` option, compiled. */
  readonly history: readonly HistoryRule[]
  /** Seconds. */
  readonly presenceTtl: number
}

/**
 * Validates `options` and applies the defaults.
 *
 * @param options - What the user passed (may be `undefined`).
 * @param layer - The layer's class name, for error messages.
 * @param extraOptions - Option names this layer accepts on top of the common ones; any other key is
 *   rejected so that a misspelt option does not silently fall back to its default.
 * @throws ImproperlyConfigured naming the first bad option.
 */
export function resolveLayerOptions(
  options: ChannelLayerOptions | undefined,
  layer: string,
  extraOptions: readonly string[] = [],
): ResolvedLayerOptions {
  if (options === undefined || options === null) options = {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ImproperlyConfigured(`${layer} options must be an object; got ${describe(options)}.`)
  }
  refuseUnknownKeys(options, [...LAYER_OPTION_NAMES, ...extraOptions], `${layer} option`)
  const { expiry = LAYER_DEFAULTS.expiry, groupExpiry = LAYER_DEFAULTS.groupExpiry } = options
  const { capacity = LAYER_DEFAULTS.capacity } = options
  requireSeconds(expiry, `${layer} option 'expiry'`)
  requireSeconds(groupExpiry, `${layer} option 'groupExpiry'`)
  requireValidCapacity(capacity, `${layer} option 'capacity'`)
  const channelCapacity = compileChannelCapacity(options.channelCapacity, `${layer} option 'channelCapacity'`)
  const history = compileHistory(options.history, `${layer} option 'history'`)
  const { presenceTtl = LAYER_DEFAULTS.presenceTtl } = options
  requireSeconds(presenceTtl, `${layer} option 'presenceTtl'`)
  return { expiry, groupExpiry, capacity, channelCapacity, history, presenceTtl }
}

/**
 * Throws `ImproperlyConfigured` for the first key of `object` that is not
 * in `known`, naming it and the nearest known one, so a misspelt or
 * misplaced setting never falls back to a default in silence.
 *
 * @param what - how the keys are called in the message (`RedisChannelLayer option`)
 * @internal
 */
export function refuseUnknownKeys(object: object, known: readonly string[], what: string, hint = ''): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue
    const guess = nearest(key, known)
    throw new ImproperlyConfigured(
      `Unknown ${what} '${key}'${guess === undefined ? '' : `; did you mean '${guess}'?`}${hint} ` +
        `Known: ${known.map((name) => `'${name}'`).join(', ')}.`,
    )
  }
}

/**
 * The candidate closest to `name` by edit distance, ignoring case and `_`,
 * or `undefined` when none is close enough to be a likely typo.
 * @internal
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const plain = (text: string): string => text.toLowerCase().replace(/_/g, '')
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(plain(name), plain(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 2)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]!
}

function requireSeconds(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ImproperlyConfigured(`${option} must be a positive number of seconds; got ${describe(value)}.`)
  }
}

function describe(value: unknown): string {
  return typeof value === 'number'
    ? String(value)
    : `a value of type ${value === null ? 'null' : typeof value}`
}
