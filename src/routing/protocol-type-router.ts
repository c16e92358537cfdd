/**
 * `ProtocolTypeRouter`: the top of a tschannels application, picking an
 * application by scope type.
 *
 * @module
 */

import { ImproperlyConfigured, UnknownScopeType } from '../errors.js'
import type { Application, ScopeType } from '../types.js'
import { assertApplication } from './assert-application.js'
import { neverThrowing } from '../util/never-throwing.js'

const SCOPE_TYPES: readonly ScopeType[] = ['http', 'websocket', 'channel']

/**
 * Dispatches each connection to the application for its `scope.type`
 * (`http`, `websocket`, or `channel` for worker messages), like Channels'
 * `ProtocolTypeRouter`. The scope is passed on unchanged. A type with no
 * entry throws `UnknownScopeType`, whose message lists the known types.
 *
 * @param mapping - one application per scope type; checked here, at start-up
 *
 * @example
 * ```ts
 * export const application = ProtocolTypeRouter({
 *   http: URLRouter([path('api/rooms/', RoomConsumer.asApp())]),
 *   websocket: AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocketRoutes))),
 *   channel: ChannelNameRouter({ thumbnails: ThumbnailConsumer.asApp() }),
 * })
 * ```
 */
export function ProtocolTypeRouter(mapping: Partial<Record<ScopeType, Application>>): Application {
  // A Map, so that a scope type such as 'constructor' finds nothing.
  const apps = new Map<string, Application>()
  for (const [type, app] of Object.entries(mapping)) {
    if (!(SCOPE_TYPES as readonly string[]).includes(type)) {
      throw new ImproperlyConfigured(
        `ProtocolTypeRouter got the unknown scope type '${type}'; the types are ${SCOPE_TYPES.join(', ')}.`,
      )
    }
    if (app === undefined) continue
    assertApplication(app, `ProtocolTypeRouter({ ${type} })`)
    apps.set(type, app)
  }
  const known = [...apps.keys()]

  return neverThrowing(function ProtocolTypeRouter(scope, receive, send) {
    const app = apps.get(scope.type)
    if (app === undefined) throw new UnknownScopeType(String(scope.type), known)
    return app(scope, receive, send)
  })
}
