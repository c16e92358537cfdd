/**
 * Refuses API requests sent by pages on other sites. Browsers send `Origin`
 * on cross-site requests, so a request whose `Origin` is not in
 * `ALLOWED_HOSTS` is answered 403 before any cookie is used; requests with
 * no `Origin` (curl, scripts, same-origin GETs) go through. This backs up
 * `SameSite=Lax`, which already keeps the session cookie off cross-site POSTs.
 *
 * @module
 */

import type { Application } from 'tschannels'

/** Whether `host` is allowed by `ALLOWED_HOSTS` entries (`name`, `.domain`, or `*`). */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const name = host.toLowerCase()
  return allowedHosts.some((pattern) => {
    const entry = pattern.toLowerCase()
    if (entry === '*') return true
    if (entry.startsWith('.')) return name === entry.slice(1) || name.endsWith(entry)
    return name === entry
  })
}

/**
 * Wraps the API in the `Origin` check.
 *
 * @example
 * ```ts
 * rePath('^api/', ApiOriginCheck(apiRouter, ['chat.example.com']))
 * ```
 */
export function ApiOriginCheck(inner: Application, allowedHosts: readonly string[]): Application {
  return async function ApiOriginCheck(scope, receive, send) {
    if (scope.type !== 'http') return inner(scope, receive, send)
    const origin = scope.headers.find(([name]) => name === 'origin')?.[1]
    if (origin === undefined || originAllowed(origin, allowedHosts)) return inner(scope, receive, send)
    await send({
      type: 'http.response.start',
      status: 403,
      headers: [['content-type', 'application/json']],
    })
    await send({
      type: 'http.response.body',
      body: Buffer.from(JSON.stringify({ error: { code: 'forbidden', message: 'Origin not allowed.' } })),
    })
  }
}

function originAllowed(origin: string, allowedHosts: readonly string[]): boolean {
  try {
    return hostAllowed(new URL(origin).hostname, allowedHosts)
  } catch {
    return false
  }
}
