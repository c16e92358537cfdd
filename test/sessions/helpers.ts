/**
 * Small applications and helpers the session and auth tests share.
 *
 * @module
 */

import type { Application, Headers } from '../../src/types.js'

/** The value of the cookie `name` set by a response, or undefined. */
export function setCookieValue(headers: Headers, name: string): string | undefined {
  for (const [header, value] of headers) {
    if (header !== 'set-cookie') continue
    const [pair] = value.split(';')
    const eq = pair!.indexOf('=')
    if (pair!.slice(0, eq) === name) return decodeURIComponent(pair!.slice(eq + 1))
  }
  return undefined
}

/** Every `Set-Cookie` header of a response. */
export function setCookies(headers: Headers): string[] {
  return headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value)
}

/** An HTTP app that runs `act` on the scope, then answers `status`. */
export function httpApp(
  act: (scope: Parameters<Application>[0]) => void | Promise<void>,
  status = 200,
): Application {
  return async (scope, receive, send) => {
    await receive()
    await act(scope)
    await send({ type: 'http.response.start', status, headers: [['content-type', 'text/plain']] })
    await send({ type: 'http.response.body', body: new TextEncoder().encode('ok') })
  }
}
