/**
 * What an application's `send()` of a control event (anything but
 * `websocket.send` on an open socket) asks of its connection, checked
 * against the connection's state. Kept apart from the connection so the
 * rules for which event is valid when live in one place, free of sockets.
 *
 * @module
 * @internal
 */

import { checkCloseEvent } from './close-codes.js'
import { InvalidEvent } from '../errors.js'
import type { Headers, Message } from '../types.js'

/** Where a connection is in its life. @internal */
export type ConnectionState = 'connecting' | 'upgrading' | 'denying' | 'open' | 'closed'

/** What the connection must do for one control event. @internal */
export type ControlAction =
  | { readonly kind: 'accept'; readonly subprotocol: string | null; readonly headers: Headers }
  | { readonly kind: 'reject'; readonly reason: string; readonly code: unknown }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'deny'; readonly start: { status?: unknown; headers?: Headers } }
  | { readonly kind: 'deny-body'; readonly body: { body?: Uint8Array; moreBody?: boolean } }
  | { readonly kind: 'none' }

const NONE: ControlAction = { kind: 'none' }

/**
 * Reads one event the application sent.
 *
 * @throws InvalidEvent when the event is not valid in `state`, naming what to send instead.
 * @internal
 */
export function readControlEvent(message: Message, state: ConnectionState): ControlAction {
  switch (message.type) {
    case 'websocket.accept': {
      if (state !== 'connecting')
        throw new InvalidEvent(`'websocket.accept' is only valid once, before any close.`)
      const { subprotocol = null, headers = [] } = message as {
        subprotocol?: string | null
        headers?: Headers
      }
      return { kind: 'accept', subprotocol, headers }
    }
    case 'websocket.close': {
      if (state === 'connecting') {
        // Never sent (the client gets 403), but the access log says why.
        const { reason, code } = message as { reason?: unknown; code?: unknown }
        return { kind: 'reject', reason: typeof reason === 'string' ? reason : '', code }
      }
      if (state !== 'open') return NONE
      const { code, reason } = checkCloseEvent(message as { code?: unknown; reason?: unknown })
      return { kind: 'close', code, reason }
    }
    case 'websocket.send':
      if (state !== 'closed') throw new InvalidEvent(`Send 'websocket.accept' before 'websocket.send'.`)
      // After a close, sends are dropped: the application learns of the end from receive().
      return NONE
    case 'websocket.http.response.start':
      if (state !== 'connecting') {
        throw new InvalidEvent(`'websocket.http.response.start' is only valid before 'websocket.accept'.`)
      }
      return { kind: 'deny', start: message as { status?: unknown; headers?: Headers } }
    case 'websocket.http.response.body':
      if (state !== 'denying') {
        throw new InvalidEvent(`Send 'websocket.http.response.start' before 'websocket.http.response.body'.`)
      }
      return { kind: 'deny-body', body: message as { body?: Uint8Array; moreBody?: boolean } }
    default:
      throw new InvalidEvent(`A WebSocket application cannot send '${message.type}'.`)
  }
}
