/**
 * `OriginValidator` and `AllowedHostsOriginValidator`: refuse WebSocket
 * handshakes (and HTTP requests) from pages on other sites, the defence
 * against cross-site WebSocket hijacking.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import { getSettings } from '../settings.js'
import type { Settings } from '../settings.js'
import type { Application } from '../types.js'
import { deny } from './deny.js'
import { matchesOrigin, parseOrigin, parseOriginPattern } from './origin-pattern.js'
import type { OriginPattern } from './origin-pattern.js'
import { neverThrowing } from '../util/never-throwing.js'

/** The hosts `AllowedHostsOriginValidator` allows in DEBUG when `allowedHosts` is empty, as Django. */
export const DEBUG_LOCAL_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]'])

/**
 * Lets a connection through only when its `Origin` header matches one of
 * `origins`, with Channels' rules:
 *
 * - `'*'` allows everything, even a missing `Origin`;
 * - `'example.com'` allows that host under any scheme and port;
 *   `'.example.com'` also allows every subdomain;
 * - `'https://example.com'` / `'https://.example.com:8443'` must match the
 *   scheme, host and port (80/443 are filled in for http/ws/https/wss);
 * - a missing, `null` or unreadable `Origin` is refused unless `'*'` is allowed.
 *
 * Two deliberate differences from Channels, where its rules surprise: a
 * scheme-less `'example.com:8000'` matches that host on port 8000 (in
 * Channels it never matches anything), and `'127.0.0.1:8000'` checks the
 * port too (Channels ignores the port of a numeric host).
 *
 * A refused WebSocket gets `websocket.close` before accept, which the server
 * answers with HTTP 403; a refused HTTP request gets 403. The application
 * never runs. Patterns are checked here: a bad one throws
 * `ImproperlyConfigured`.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: OriginValidator(AuthMiddlewareStack(URLRouter(routes)), [
 *     '.goodsite.com',
 *     'http://.goodsite.com:80',
 *     'http://other.site.com',
 *   ]),
 * })
 * ```
 */
export function OriginValidator(application: Application, origins: readonly string[]): Application {
  assertApplication(application, 'OriginValidator(application, origins)')
  if (!Array.isArray(origins)) {
    throw new ImproperlyConfigured('OriginValidator(application, origins) needs an array of allowed origins.')
  }
  const parsed = origins.map(parseOriginPattern)
  const any = parsed.includes('*')
  const patterns = parsed.filter((pattern): pattern is OriginPattern => pattern !== '*')

  return neverThrowing(function OriginValidator(scope, receive, send) {
    if (scope.type === 'channel') return application(scope, receive, send)
    if (any || allowed(scope.headers, patterns)) return application(scope, receive, send)
    return deny(scope, receive, send, 403, 'Origin not allowed.')
  })
}

/**
 * An `OriginValidator` for the hosts in the `allowedHosts` setting
 * (`ALLOWED_HOSTS`); when it is empty and `debug` is on, `localhost`,
 * `127.0.0.1` and `[::1]` are allowed, as Django does for the Host header.
 * Read once, here.
 *
 * @param settings - the settings to read @default getSettings()
 *
 * @example
 * ```ts
 * configureSettings({ allowedHosts: ['chat.example.com'] })
 * const application = ProtocolTypeRouter({ websocket: AllowedHostsOriginValidator(AuthMiddlewareStack(router)) })
 * ```
 */
export function AllowedHostsOriginValidator(
  application: Application,
  settings: Readonly<Pick<Settings, 'allowedHosts' | 'debug'>> = getSettings(),
): Application {
  const hosts =
    settings.debug && settings.allowedHosts.length === 0 ? DEBUG_LOCAL_HOSTS : settings.allowedHosts
  const validator = OriginValidator(application, hosts)
  // No wrapper needed: the validator already never throws.
  return function AllowedHostsOriginValidator(scope, receive, send) {
    return validator(scope, receive, send)
  }
}

function allowed(
  headers: ReadonlyArray<readonly [string, string]>,
  patterns: readonly OriginPattern[],
): boolean {
  const values = headers.filter(([name]) => name === 'origin')
  // Several Origin headers are ambiguous; a browser never sends two.
  if (values.length !== 1) return false
  const origin = parseOrigin(values[0]![1])
  return origin !== null && patterns.some((pattern) => matchesOrigin(origin, pattern))
}
