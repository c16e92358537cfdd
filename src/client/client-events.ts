/**
 * The events `ChannelsClient` dispatches, one class per kind, all plain
 * `Event`s so that they work with `addEventListener` in browsers and Node.
 *
 * @module
 */

import type { GroupRecovery } from './protocol.js'

/** `'message'`: one value from the server, parsed from JSON. */
export class ClientMessageEvent<T = unknown> extends Event {
  /** The parsed value, with every key the server sent (`__position` included). */
  readonly data: T
  constructor(data: T) {
    super('message')
    this.data = data
  }
}

/** `'close'`: the client stopped for good (a final close code, or `close()`); no reconnect follows. */
export class ClientCloseEvent extends Event {
  readonly code: number
  readonly reason: string
  constructor(code: number, reason: string) {
    super('close')
    this.code = code
    this.reason = reason
  }
}

/** `'reconnecting'`: a connection was lost or refused; the next attempt starts in `delay` ms. */
export class ReconnectingEvent extends Event {
  /** The close code that ended the last connection (1006 when it never opened or went silent). */
  readonly code: number
  readonly reason: string
  /** Milliseconds until the next attempt. */
  readonly delay: number
  /** How many attempts have failed in a row (1 after the first failure). */
  readonly attempt: number
  constructor(code: number, reason: string, delay: number, attempt: number) {
    super('reconnecting')
    this.code = code
    this.reason = reason
    this.delay = delay
    this.attempt = attempt
  }
}

/**
 * `'recovered'`: the server's answer for one group after a reconnect. With
 * `recovered: true` every missed message follows in order; with `false` the
 * gap cannot be filled and the application refetches what it shows.
 */
export class RecoveredEvent extends Event implements GroupRecovery {
  readonly group: string
  readonly recovered: boolean
  readonly epoch: string
  readonly offset: number
  constructor(group: string, { recovered, epoch, offset }: GroupRecovery) {
    super('recovered')
    this.group = group
    this.recovered = recovered
    this.epoch = epoch
    this.offset = offset
  }
}

/** `'error'`: something went wrong that the client survives (a frame that is not JSON, a failed handshake). */
export class ClientErrorEvent extends Event {
  readonly error: unknown
  constructor(error: unknown) {
    super('error')
    this.error = error
  }
}

/** Each event type with its class; `In` is the type of the server's values. */
export interface ChannelsClientEventMap<In = unknown> {
  open: Event
  message: ClientMessageEvent<In>
  close: ClientCloseEvent
  reconnecting: ReconnectingEvent
  recovered: RecoveredEvent
  error: ClientErrorEvent
}
