/**
 * What the protocol server tells an observer (metrics) about its work. The
 * server never imports a metrics library: it calls this interface, and only
 * when one was given, so a server without metrics pays one null check per
 * event. `tschannels/metrics` implements it with prom-client.
 *
 * Each connection's scope also carries a small mutable record under
 * `kConnectionProbe`, which code deeper in the stack fills without knowing
 * about metrics: `URLRouter` writes the route pattern it matched, the auth
 * middlewares whether they found a user. Symbol keys survive the `{ ...scope }`
 * copies middleware makes and stay out of JSON and `Object.keys()`.
 *
 * @module
 */

import type { ChannelLayer } from '../layers/channel-layer.js'

/** The key under which a scope carries its `ConnectionProbe`. @internal */
export const kConnectionProbe: unique symbol = Symbol.for('tschannels.connectionProbe')

/** How authentication ended for one connection. */
export type AuthOutcome = 'authenticated' | 'anonymous' | 'refused'

/** Why a client was closed for holding too much. */
export type SlowClientReason = 'send_buffer' | 'connection_buffer' | 'idle_reader'

/** The protocols the server speaks. */
export type ServedProtocol = 'http' | 'websocket'

/**
 * Filled in by the layers of the application for one connection.
 * @internal
 */
export interface ConnectionProbe {
  /** The route pattern(s) URLRouter matched, joined; `''` until one matched. */
  route: string
  /** Set once, by the first auth middleware that decides who the client is. */
  auth: AuthOutcome | undefined
  readonly observer: ServerObserver
}

/**
 * Receives the server's events. Methods are called on the server's hot
 * paths; keep them to counter increments.
 */
export interface ServerObserver {
  /** A WebSocket handshake was answered: 101 when accepted, else the refusal status. */
  handshake(status: number): void
  /** A WebSocket was accepted (`route` is the matched pattern, `''` when none). */
  websocketOpened(route: string): void
  /**
   * An accepted WebSocket ended with `code`; `byServer` is false when the
   * code is the client's (a client chooses any number it likes).
   */
  websocketClosed(route: string, code: number, byServer: boolean): void
  /** One message came from a client. */
  frameReceived(bytes: number): void
  /** One message went to a client (the same string often goes to many: measure it once). */
  frameSent(data: string | Uint8Array): void
  /** A `send()` had to wait for the client to read (the buffer passed the high-water mark). */
  backpressure(): void
  /** A client was closed with 1013 for holding too much or reading nothing. */
  slowClientClosed(reason: SlowClientReason): void
  /** An application (a consumer's handler) failed with an error the server had to handle. */
  applicationError(protocol: ServedProtocol): void
  /** An HTTP request arrived. */
  httpStarted(): void
  /** An HTTP request was answered with `status` (`route` is the matched pattern). */
  httpFinished(route: string, status: number): void
  /** Authentication of one connection ended (once per connection). */
  auth(outcome: AuthOutcome): void
  /** Wraps a channel layer so its calls are measured; returns `layer` itself to leave it alone. */
  instrumentLayer(layer: ChannelLayer, alias: string): ChannelLayer
}

/** A fresh probe for one connection. @internal */
export function newProbe(observer: ServerObserver): ConnectionProbe {
  return { route: '', auth: undefined, observer }
}

/**
 * The probe a scope carries, if the server that built it observes.
 * @internal
 */
export function probeOf(scope: object): ConnectionProbe | undefined {
  return (scope as { [kConnectionProbe]?: ConnectionProbe })[kConnectionProbe]
}

/**
 * Records how authentication ended for the connection of `scope`; only the
 * first outcome of a connection counts. Does nothing without an observer.
 * @internal
 */
export function recordAuth(scope: object, outcome: AuthOutcome): void {
  const probe = probeOf(scope)
  if (probe === undefined || probe.auth !== undefined) return
  probe.auth = outcome
  probe.observer.auth(outcome)
}
