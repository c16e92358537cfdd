/**
 * Refusing a connection before it reaches the application: HTTP 403/401/429
 * for a request, a close (403) or a denial response for a WebSocket
 * handshake.
 *
 * @module
 * @internal
 */

import type { Headers, Receive, Scope, Send } from '../types.js'

const encoder = new TextEncoder()

/**
 * Answers the connection with `status` without running the application.
 * A WebSocket refused with 403 gets `websocket.close` before accept (the
 * server turns that into 403, as Channels' `WebsocketDenier`); any other
 * status uses the ASGI denial response. HTTP gets a plain-text response.
 * @internal
 */
export async function deny(
  scope: Scope,
  receive: Receive,
  send: Send,
  status: number,
  message: string,
  headers: Headers = [],
): Promise<void> {
  if (scope.type === 'channel') return
  if (scope.type === 'websocket') {
    // Wait for the handshake event, as a consumer would, before answering it.
    const event = await receive()
    if (event.type !== 'websocket.connect') return
    if (status === 403) {
      await send({ type: 'websocket.close', code: 1000 })
      return
    }
    await send({
      type: 'websocket.http.response.start',
      status,
      headers: [['content-type', 'text/plain; charset=utf-8'], ...headers],
    })
    await send({ type: 'websocket.http.response.body', body: encoder.encode(message) })
    return
  }
  await send({
    type: 'http.response.start',
    status,
    headers: [['content-type', 'text/plain; charset=utf-8'], ...headers],
  })
  await send({ type: 'http.response.body', body: encoder.encode(message) })
}
