/**
 * While a server with metrics runs, the channel layers `getChannelLayer()`
 * hands out are measured: the server sets the registry's layer decorator to
 * its observer's, and takes it back when it closes (unless another server
 * has set its own since).
 *
 * @module
 */

import type { ChannelLayerDecorator } from '../layers/registry.js'
import { channelLayerDecorator, setChannelLayerDecorator } from '../layers/registry.js'
import type { ServerContext } from './context.js'

/** Starts measuring the layers; returns what stops it. @internal */
export function observeLayers(ctx: ServerContext): () => void {
  const observer = ctx.observer
  if (observer === null) return () => {}
  const decorator: ChannelLayerDecorator = (layer, alias) => observer.instrumentLayer(layer, alias)
  setChannelLayerDecorator(decorator)
  return () => {
    if (channelLayerDecorator() === decorator) setChannelLayerDecorator(null)
  }
}
