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

/** The defaults of `ChannelLayerOptions`, the same as Channels'. */
export const LAYER_DEFAULTS = Object.freeze({ expiry: 60, groupExpiry: 86_400, capacity: 100 })

/** The option names every layer understands. */
export const LAYER_OPTION_NAMES: readonly string[] = Object.freeze([
  'expiry',
  'groupExpiry',
  'capacity',
  'channelCapacity',
])

/** `ChannelLayerOptions` after validation, with defaults applied and patterns compiled. */
export interface ResolvedLayerOptions {
  /** Seconds. */
  readonly expiry: number
  /** Seconds. */
  readonly groupExpiry: number
  readonly capacity: number
  readonly channelCapacity: readonly CapacityRule[]
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
  for (const key of Object.keys(options)) {
    if (!LAYER_OPTION_NAMES.includes(key) && !extraOptions.includes(key)) {
      const known = [...LAYER_OPTION_NAMES, ...extraOptions].map((name) => `'${name}'`).join(', ')
      throw new ImproperlyConfigured(`${layer} has no option '${key}'; it knows ${known}.`)
    }
  }
  const { expiry = LAYER_DEFAULTS.expiry, groupExpiry = LAYER_DEFAULTS.groupExpiry } = options
  const { capacity = LAYER_DEFAULTS.capacity } = options
  requireSeconds(expiry, `${layer} option 'expiry'`)
  requireSeconds(groupExpiry, `${layer} option 'groupExpiry'`)
  requireValidCapacity(capacity, `${layer} option 'capacity'`)
  const channelCapacity = compileChannelCapacity(options.channelCapacity, `${layer} option 'channelCapacity'`)
  return { expiry, groupExpiry, capacity, channelCapacity }
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
