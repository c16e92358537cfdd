/**
 * Routing: every router is itself an application.
 *
 * @module
 */

export { ProtocolTypeRouter } from './protocol-type-router.js'
export { URLRouter } from './url-router.js'
export { ChannelNameRouter } from './channel-name-router.js'
export { path, rePath } from './route.js'
export type { Route } from './route.js'
export type { PathKwargs, RePathKwargs, CheckedRoute } from './path-kwargs.js'
export type { RouteTarget } from './route-target.js'
export type { ConverterName, ConverterTypes } from './converters.js'
