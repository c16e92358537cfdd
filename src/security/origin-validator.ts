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
import type { Application, ConnectionScope, Receive, Scope, Send } from '../types.js'
import { deny } from './deny.js'
import { matchesOrigin, parseOrigin, parseOriginPattern } from './origin-pattern.js'
import type { OriginPattern } from './origin-pattern.js'
import { neverThrowing } from '../util/never-throwing.js'
import { warn } from '../util/warnings.js'

/** The hosts `AllowedHostsOriginValidator` allows in DEBUG when `allowedHosts` is empty, as Django. */
export const DEBUG_LOCAL_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]'])

/** The most of an `Origin` a refusal reason quotes: close reasons hold at most 123 bytes. */
const QUOTED_ORIGIN = 60

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
 * A refused WebSocket gets `websocket.close` before accept, whose reason
 * (the `Origin` and why) the server writes to its access log and answers
 * with HTTP 403; a refused HTTP request gets 403. The application never
 * runs. Patterns are checked here: a bad one throws `ImproperlyConfigured`.
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
  const check = originCheck(origins, 'is not an allowed origin')
  return neverThrowing(function OriginValidator(scope, receive, send) {
    if (scope.type === 'channel') return application(scope, receive, send)
    const refusal = check(scope)
    return refusal === null ? application(scope, receive, send) : refuse(scope, receive, send, refusal)
  })
}

/**
 * An `OriginValidator` for the hosts in the `allowedHosts` setting
 * (`ALLOWED_HOSTS`). When that is empty, as Django does for the Host header,
 * `localhost`, `127.0.0.1` and `[::1]` are allowed: on every connection in
 * DEBUG, and otherwise only on connections that reach the server over a
 * loopback address (a server bound to 127.0.0.1, as `tschannels serve` is
 * by default), so that a local try-out works while a server reachable from
 * the network refuses every page until `ALLOWED_HOSTS` names its hosts.
 * Building one while the list is empty outside DEBUG warns once
 * (`CHANNELS_WRN_070`).
 *
 * Without `settings`, the settings in force are read as each connection
 * starts, so `configureSettings()` (or `overrideSettings()` in a test) takes
 * effect for the connections that start after it, wherever the stack was
 * built.
 *
 * @param settings - fixed settings to use instead of the ones in force @default getSettings() per connection
 *
 * @example
 * ```ts
 * configureSettings({ allowedHosts: ['chat.example.com'] })
 * const application = ProtocolTypeRouter({ websocket: AllowedHostsOriginValidator(AuthMiddlewareStack(router)) })
 * ```
 */
export function AllowedHostsOriginValidator(
  application: Application,
  settings?: Readonly<Pick<Settings, 'allowedHosts' | 'debug'>>,
): Application {
  assertApplication(application, 'AllowedHostsOriginValidator(application)')
  let checkedFor = settings ?? getSettings()
  let check = allowedHostsCheck(checkedFor)
  if (checkedFor.allowedHosts.length === 0 && !checkedFor.debug) warnNoAllowedHosts()
  return neverThrowing(function AllowedHostsOriginValidator(scope, receive, send) {
    if (scope.type === 'channel') return application(scope, receive, send)
    if (settings === undefined) {
      // One comparison per connection; the patterns are parsed again only when the settings changed.
      const current = getSettings()
      if (current !== checkedFor) check = allowedHostsCheck((checkedFor = current))
    }
    const refusal = check(scope)
    return refusal === null ? application(scope, receive, send) : refuse(scope, receive, send, refusal)
  })
}

/** Why a connection is refused, or `null` when its origin is allowed. */
type OriginCheck = (scope: ConnectionScope) => string | null

function allowedHostsCheck(settings: Readonly<Pick<Settings, 'allowedHosts' | 'debug'>>): OriginCheck {
  if (settings.allowedHosts.length > 0) return originCheck(settings.allowedHosts, 'is not in ALLOWED_HOSTS')
  if (settings.debug) return originCheck(DEBUG_LOCAL_HOSTS, 'is not local (ALLOWED_HOSTS is empty, DEBUG on)')
  const local = originCheck(DEBUG_LOCAL_HOSTS, 'is not local (ALLOWED_HOSTS is empty)')
  return (scope) =>
    isLoopback(scope.server?.[0])
      ? local(scope)
      : 'ALLOWED_HOSTS is empty and DEBUG is off: set ALLOWED_HOSTS'
}

function originCheck(origins: readonly string[], why: string): OriginCheck {
  const parsed = origins.map(parseOriginPattern)
  if (parsed.includes('*')) return () => null
  const patterns = parsed as OriginPattern[]
  return (scope) => {
    const values = scope.headers.filter(([name]) => name === 'origin')
    // Several Origin headers are ambiguous; a browser never sends two.
    if (values.length !== 1) return values.length === 0 ? 'no Origin header' : 'several Origin headers'
    const origin = parseOrigin(values[0]![1])
    if (origin !== null && patterns.some((pattern) => matchesOrigin(origin, pattern))) return null
    return `Origin '${quote(values[0]![1])}' ${why}`
  }
}

/** Refuses: a WebSocket with a close before accept that carries the reason (the server logs it), HTTP with 403. */
async function refuse(scope: Scope, receive: Receive, send: Send, reason: string): Promise<void> {
  if (scope.type !== 'websocket') return deny(scope, receive, send, 403, 'Origin not allowed.')
  // Wait for the handshake event, as a consumer would, before answering it.
  const event = await receive()
  if (event.type === 'websocket.connect') await send({ type: 'websocket.close', code: 1000, reason })
}

/** True for 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1'
}

/** The origin as a log line may show it: printable ASCII, and short enough for a close reason. */
function quote(origin: string): string {
  const printable = origin.replace(/[^\x20-\x7e]/g, '?')
  return printable.length > QUOTED_ORIGIN ? `${printable.slice(0, QUOTED_ORIGIN)}...` : printable
}

let warned = false

function warnNoAllowedHosts(): void {
  if (warned) return
  warned = true
  warn(
    'CHANNELS_WRN_070',
    'AllowedHostsOriginValidator has no allowed hosts (ALLOWED_HOSTS is empty and DEBUG is off): it lets ' +
      'through only pages from localhost, 127.0.0.1 or [::1] on connections that reach this server over ' +
      'loopback, and refuses every other WebSocket with 403. Set ALLOWED_HOSTS (comma-separated) or ' +
      'configureSettings({ allowedHosts }) to the host names your pages are served from.',
  )
}
