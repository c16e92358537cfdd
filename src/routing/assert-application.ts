/**
 * The start-up check every router runs on the applications it is given.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { Application } from '../types.js'

/**
 * Throws `ImproperlyConfigured` unless `value` can be called as an
 * application. The commonest slip, passing a consumer class instead of
 * `MyConsumer.asApp()` (Channels' missing `.as_asgi()`), gets its own message.
 *
 * @param value - what the user passed
 * @param where - how the message names it, such as `ProtocolTypeRouter({ websocket })`
 * @internal
 */
export function assertApplication(value: unknown, where: string): asserts value is Application {
  if (typeof value !== 'function') {
    throw new ImproperlyConfigured(
      `${where} is not an application (got ${value === null ? 'null' : typeof value}); ` +
        `pass an async function (scope, receive, send), a router, or MyConsumer.asApp().`,
    )
  }
  if (/^class[\s{]/.test(Function.prototype.toString.call(value))) {
    throw new ImproperlyConfigured(`${where} is the class ${value.name}; pass ${value.name}.asApp() instead.`)
  }
}
