/**
 * The channel-layer registry, tschannels' `CHANNEL_LAYERS`: aliases mapped to
 * layer settings, each layer built on first use and then shared by every
 * consumer of the process; `resetChannelLayers()` clears it for tests.
 *
 * Backends are looked up by name. `memory` is built in; the Redis layers
 * register `redis` and `redis-pubsub` when their module is imported, which
 * keeps their client library out of processes that do not use them.
 *
 * @module
 */

import { fromDjangoLayerConfig, isDjangoLayerConfig } from '../django/channel-layers.js'
import type { DjangoChannelLayerConfig } from '../django/channel-layers.js'
import { ImproperlyConfigured } from '../errors.js'
import { getSettings } from '../settings.js'
import type { ChannelLayer } from './channel-layer.js'
import { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from './memory.js'
import { LAYER_OPTION_NAMES, nearest, refuseUnknownKeys } from './options.js'

export type { DjangoChannelLayerConfig } from '../django/channel-layers.js'

/** The alias `getChannelLayer()` uses when given none, as in Channels. */
export const DEFAULT_CHANNEL_LAYER = 'default'

/**
 * Options type of each backend, by backend name. A module that registers a
 * backend adds its entry by declaration merging, so that
 * `configureChannelLayers` checks its options:
 *
 * @example
 * ```ts
 * declare module 'tschannels' {
 *   interface LayerBackendOptions { redis: RedisChannelLayerOptions }
 * }
 * ```
 */
export interface LayerBackendOptions {
  memory: InMemoryChannelLayerOptions
}

/** Builds a layer from its `options`; `alias` is the name it is configured under (for messages). */
export type LayerBackendFactory<Options = Record<string, unknown>> = (
  options: Options | undefined,
  alias: string,
) => ChannelLayer

/** A layer described by backend name and options, like one `CHANNEL_LAYERS` entry. */
export type ChannelLayerConfig = {
  [Name in keyof LayerBackendOptions]: { backend: Name; options?: LayerBackendOptions[Name] }
}[keyof LayerBackendOptions]

/**
 * One alias's setting: a backend config (tschannels' `{ backend, options }`
 * or Django's `{ BACKEND, CONFIG }`), a ready layer, or a function that
 * builds one on first use.
 */
export type ChannelLayerSetting =
  ChannelLayerConfig | DjangoChannelLayerConfig | ChannelLayer | (() => ChannelLayer)

/** A setting after `configureChannelLayers` checked it: Django's form is translated by then. */
type CheckedSetting = ChannelLayerConfig | ChannelLayer | (() => ChannelLayer)

/** Every alias's setting; `default` is the one consumers use unless told otherwise. */
export type ChannelLayersConfig = Readonly<Record<string, ChannelLayerSetting>>

const backends = new Map<string, LayerBackendFactory<never>>()
/** `undefined` until `configureChannelLayers` is called: then `default` is an in-memory layer. */
let settings: Readonly<Record<string, CheckedSetting>> | undefined
const instances = new Map<string, ChannelLayer>()
/** What each alias's layer was before `decorate` wrapped it (only while a decorator is set). */
const undecorated = new Map<string, ChannelLayer>()
let decorate: ChannelLayerDecorator | null = null

/** Wraps a layer as `getChannelLayer()` hands it out (metrics); returns `layer` to leave it alone. */
export type ChannelLayerDecorator = (layer: ChannelLayer, alias: string) => ChannelLayer

/**
 * Sets (or, with `null`, removes) the function that wraps every layer
 * `getChannelLayer()` hands out; layers built earlier are wrapped (or
 * unwrapped) at once. The server uses it to measure layer calls when
 * metrics are on; a caller that kept a layer from before sees no change.
 * @internal
 */
export function setChannelLayerDecorator(decorator: ChannelLayerDecorator | null): void {
  for (const [alias, layer] of undecorated) instances.set(alias, layer)
  undecorated.clear()
  decorate = decorator
  if (decorator === null) return
  for (const [alias, layer] of instances) {
    undecorated.set(alias, layer)
    instances.set(alias, decorator(layer, alias))
  }
}

/** The decorator set by `setChannelLayerDecorator()`, or `null`. @internal */
export function channelLayerDecorator(): ChannelLayerDecorator | null {
  return decorate
}

/**
 * The layers built so far, by alias, as built (not as decorated): what a
 * readiness probe checks.
 * @internal
 */
export function builtChannelLayers(): Map<string, ChannelLayer> {
  const built = new Map<string, ChannelLayer>()
  for (const [alias, layer] of instances) built.set(alias, undecorated.get(alias) ?? layer)
  return built
}

/** The layer wrapped by the decorator when it is set. @internal */
function served(alias: string, layer: ChannelLayer): ChannelLayer {
  if (decorate === null) return layer
  undecorated.set(alias, layer)
  return decorate(layer, alias)
}

/**
 * Makes a backend available to `configureChannelLayers` under `name`.
 * Registering a name again replaces its factory (tests may stub a backend).
 *
 * @example
 * ```ts
 * registerLayerBackend('redis', (options) => new RedisChannelLayer(options))
 * ```
 */
export function registerLayerBackend<Name extends string>(
  name: Name,
  factory: LayerBackendFactory<
    Name extends keyof LayerBackendOptions ? LayerBackendOptions[Name] : Record<string, unknown>
  >,
): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ImproperlyConfigured('A layer backend needs a non-empty name.')
  }
  if (typeof factory !== 'function') {
    throw new ImproperlyConfigured(`The layer backend '${name}' needs a factory function.`)
  }
  backends.set(name, factory)
}

registerLayerBackend('memory', (options) => new InMemoryChannelLayer(options))

/**
 * Sets the channel layers, replacing any earlier configuration, as
 * `CHANNEL_LAYERS` does in Django settings. Layers are built lazily by
 * `getChannelLayer()`. Layers built from an earlier configuration are
 * forgotten but not closed; call `resetChannelLayers()` first to close them.
 *
 * Until this is called, the `channelLayers` setting (`CHANNEL_LAYERS` in the
 * environment, as JSON) is used, else `default` is an in-memory layer, so a
 * single process works with no set-up. Pass `{}` to have no layer at all.
 *
 * Django's own `CHANNEL_LAYERS` dict is accepted as it is: `BACKEND`
 * (`channels.layers.InMemoryChannelLayer`,
 * `channels_redis.core.RedisChannelLayer`,
 * `channels_redis.pubsub.RedisPubSubChannelLayer`) and `CONFIG` with
 * snake_case keys and channels_redis's host forms. An unknown key anywhere
 * is refused, naming the nearest valid one.
 *
 * @throws ImproperlyConfigured when a setting is neither a backend config, a layer nor a function.
 *
 * @example
 * ```ts
 * configureChannelLayers({
 *   default: { backend: 'memory', options: { capacity: 500 } },
 *   tests: new InMemoryChannelLayer(),
 * })
 * // The same dict as Django's settings.py:
 * configureChannelLayers({
 *   default: { BACKEND: 'channels_redis.core.RedisChannelLayer', CONFIG: { hosts: [['127.0.0.1', 6379]] } },
 * })
 * ```
 */
export function configureChannelLayers(config: ChannelLayersConfig): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ImproperlyConfigured(
      "configureChannelLayers() takes an object of aliases, such as { default: { backend: 'memory' } }.",
    )
  }
  const checked: Record<string, CheckedSetting> = {}
  for (const [alias, setting] of Object.entries(config)) checked[alias] = checkSetting(alias, setting)
  settings = Object.freeze(checked)
  instances.clear()
  undecorated.clear()
}

/**
 * The channel layer configured under `alias`, built on the first call and
 * the same instance afterwards; `null` when `alias` is not configured (as
 * Channels returns `None`). With no configuration at all, `default` is an
 * in-memory layer.
 *
 * @throws ImproperlyConfigured when the alias names an unknown backend or its options are invalid.
 *
 * @example
 * ```ts
 * const layer = getChannelLayer()
 * if (layer) await layer.groupSend('room.lobby', { type: 'chat.message', text: 'hi' })
 * ```
 */
export function getChannelLayer(alias: string = DEFAULT_CHANNEL_LAYER): ChannelLayer | null {
  const existing = instances.get(alias)
  if (existing !== undefined) return existing
  if (settings === undefined) {
    const fromSettings = getSettings().channelLayers
    if (fromSettings !== undefined) configureChannelLayers(fromSettings)
  }
  const setting =
    settings === undefined
      ? alias === DEFAULT_CHANNEL_LAYER
        ? ({ backend: 'memory' } as const)
        : undefined
      : Object.hasOwn(settings, alias)
        ? settings[alias]
        : undefined
  if (setting === undefined) return null
  const layer = served(alias, build(alias, setting))
  instances.set(alias, layer)
  return layer
}

/**
 * Closes every layer the registry built or was given, and returns the
 * registry to its unconfigured state. Registered backends stay. Meant for
 * tests: call it in `afterEach`.
 *
 * @throws the first error a layer's `close()` threw, after trying to close them all.
 */
export async function resetChannelLayers(): Promise<void> {
  // Closing the layer itself: a decorator may not pass close() on.
  const open = [...instances.keys()].map((alias) => undecorated.get(alias) ?? instances.get(alias)!)
  instances.clear()
  undecorated.clear()
  settings = undefined
  const results = await Promise.allSettled(open.map((layer) => layer.close()))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

function build(alias: string, setting: CheckedSetting): ChannelLayer {
  if (isLayer(setting)) return setting
  if (typeof setting === 'function') {
    const layer = setting()
    if (!isLayer(layer)) {
      throw new ImproperlyConfigured(
        `The function configured for channel layer '${alias}' did not return a layer.`,
      )
    }
    return layer
  }
  const factory = backends.get(setting.backend) as LayerBackendFactory<unknown> | undefined
  if (factory === undefined) {
    const known = [...backends.keys()].map((name) => `'${name}'`).join(', ')
    throw new ImproperlyConfigured(
      `Channel layer '${alias}' uses backend '${setting.backend}', which is not registered. ` +
        `Known backends: ${known}. A backend registers itself when its module is imported ` +
        "(for 'redis' and 'redis-pubsub', import 'tschannels/layers/redis' first).",
    )
  }
  return factory(setting.options, alias)
}

function checkSetting(alias: string, setting: unknown): CheckedSetting {
  if (typeof setting === 'function' || isLayer(setting)) return setting as CheckedSetting
  if (isDjangoLayerConfig(setting)) return fromDjangoLayerConfig(alias, setting) as ChannelLayerConfig
  if (typeof setting === 'object' && setting !== null && 'backend' in setting) {
    if (typeof setting.backend === 'string') {
      // Options given beside `backend` instead of under `options` would be dropped in silence.
      const misplaced = Object.keys(setting).find((key) => key !== 'backend' && key !== 'options')
      const hint =
        misplaced !== undefined &&
        (LAYER_OPTION_NAMES.includes(misplaced) ||
          nearest(misplaced, LAYER_OPTION_NAMES) !== undefined ||
          REDIS_OPTIONS.includes(misplaced))
          ? ` Layer options go under 'options': { backend: '${setting.backend}', options: { ${misplaced}: … } }.`
          : ''
      refuseUnknownKeys(setting, ['backend', 'options'], `key of channel layer '${alias}'`, hint)
      return setting as ChannelLayerConfig
    }
  }
  throw new ImproperlyConfigured(
    `Channel layer '${alias}' must be { backend: 'memory', options?: {...} }, Django's { BACKEND, CONFIG }, ` +
      'a channel layer instance, or a function returning one.',
  )
}

// Named here only to recognise them when they are misplaced beside `backend`.
const REDIS_OPTIONS = [
  'hosts',
  'prefix',
  'symmetricEncryptionKeys',
  'connectTimeout',
  'reconnectEvent',
  'randomPrefixLength',
]

function isLayer(value: unknown): value is ChannelLayer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ChannelLayer).send === 'function' &&
    typeof (value as ChannelLayer).receive === 'function'
  )
}
