/**
 * `ChannelNameRouter`: dispatches worker messages (`channel` scopes) on the
 * name of the channel they arrived on.
 *
 * @module
 */

import { ImproperlyConfigured, RouteNotFound } from '../errors.js'
import type { Application } from '../types.js'
import { assertApplication } from './assert-application.js'

/**
 * Routes `channel` scopes on `scope.channel`, like Channels'
 * `ChannelNameRouter`; use it under the `channel` key of
 * `ProtocolTypeRouter` and run the channels with `tschannels worker`. A
 * channel with no entry throws `RouteNotFound` naming it and the known ones.
 *
 * @param mapping - one application per channel name; checked here, at start-up
 *
 * @example
 * ```ts
 * ProtocolTypeRouter({
 *   channel: ChannelNameRouter({ 'thumbnails-generate': ThumbnailConsumer.asApp() }),
 * })
 * ```
 */
export function ChannelNameRouter(mapping: Readonly<Record<string, Application>>): Application {
  // A Map, so that a channel named 'constructor' or '__proto__' finds nothing.
  const apps = new Map<string, Application>()
  for (const [channel, app] of Object.entries(mapping)) {
    assertApplication(app, `ChannelNameRouter({ '${channel}' })`)
    apps.set(channel, app)
  }
  const known = [...apps.keys()].map((name) => `'${name}'`).join(', ') || 'none'

  return async function ChannelNameRouter(scope, receive, send) {
    if (scope.type !== 'channel') {
      throw new ImproperlyConfigured(
        `ChannelNameRouter got a '${String(scope.type)}' scope; it routes only 'channel' scopes, ` +
          `so use it under the 'channel' key of ProtocolTypeRouter.`,
      )
    }
    const app = apps.get(scope.channel)
    if (app === undefined) {
      throw new RouteNotFound(`No application for channel '${scope.channel}'; known channels: ${known}.`)
    }
    return app(scope, receive, send)
  }
}
