/**
 * Channel layers: the interface, the in-memory layer, the registry and the
 * naming rules. The Redis layers live in their own subpath.
 *
 * @module
 */

export type { ChannelCapacity, ChannelLayer, ChannelLayerOptions, ReceiveOptions } from './channel-layer.js'
export { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from './memory.js'
export {
  NO_HISTORY,
  POSITION_KEY,
  type GroupAddOptions,
  type GroupHistoryConfig,
  type GroupHistorySettings,
  type GroupJoin,
  type MessagePosition,
  type StreamPosition,
} from './history.js'
export type { LayerPresence, PresenceEntry, PresenceEvent, PresenceInfo } from './presence.js'
export {
  DEFAULT_CHANNEL_LAYER,
  configureChannelLayers,
  getChannelLayer,
  registerLayerBackend,
  resetChannelLayers,
  type ChannelLayerConfig,
  type ChannelLayerSetting,
  type ChannelLayersConfig,
  type LayerBackendFactory,
  type LayerBackendOptions,
} from './registry.js'
export {
  MAX_NAME_LENGTH,
  isProcessLocalName,
  isValidChannelName,
  isValidGroupName,
  nonLocalName,
  requireValidChannelName,
  requireValidGroupName,
} from './layer-checks.js'
export { capacityFor, compileChannelCapacity, globToRegExp, type CapacityRule } from './capacity.js'
export { LAYER_DEFAULTS, resolveLayerOptions, type ResolvedLayerOptions } from './options.js'
