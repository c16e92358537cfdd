/**
 * `WebsocketConsumer`: the consumer for one WebSocket connection, with
 * `connect`/`receive`/`disconnect` hooks and group membership handled for you.
 *
 * @module
 */

import {
  AcceptConnection,
  DenyConnection,
  ImproperlyConfigured,
  InvalidEvent,
  StopConsumer,
} from '../errors.js'
import { NO_HISTORY, POSITION_KEY, type GroupAddOptions, type GroupJoin } from '../layers/history.js'
import type {
  HeaderPairs,
  LayerMessage,
  WebsocketConnectEvent,
  WebsocketDisconnectEvent,
  WebsocketReceiveEvent,
  WebsocketScope,
} from '../types.js'
import { RESOLVED } from '../util/resolved.js'
import { stackless } from '../util/stackless.js'
import { Consumer } from './consumer.js'
import type { ConsumerTypes } from './consumer-types.js'
import { registerBaseConsumer } from './dispatch-table.js'

/** One WebSocket frame: text or binary, never both. */
export type WebsocketData = { text: string; bytes?: undefined } | { bytes: Uint8Array; text?: undefined }

/** A frame as `receive()` gets it: exactly one of the two fields is set. */
export interface ReceivedData {
  text?: string
  bytes?: Uint8Array
}

/** Options of `WebsocketConsumer.send()`. */
export interface WebsocketSendOptions {
  /** Close after sending: `true` for code 1000, or the close code to use. @default false */
  close?: boolean | number
}

/**
 * The consumer for a WebSocket connection. Override `connect()` to
 * authenticate or refuse (throw `DenyConnection`, or call `close()` before
 * `accept()`), `receive()` for frames and `disconnect()` for clean-up. Every
 * group in `static groups` is joined before `connect()` runs and left after
 * `disconnect()`.
 *
 * Frames that arrive while an async `connect()` is still running wait in
 * order and are delivered after it returns.
 *
 * @example
 * ```ts
 * class ChatConsumer extends WebsocketConsumer {
 *   static override groups = ['chat']
 *   override async receive({ text }: ReceivedData) {
 *     await this.channelLayer.groupSend('chat', { type: 'chat.message', text })
 *   }
 *   async chatMessage(message: LayerMessage) {
 *     await this.send({ text: message.text as string })
 *   }
 * }
 * ```
 */
export class WebsocketConsumer<T extends ConsumerTypes = ConsumerTypes> extends Consumer<T> {
  /** Groups every connection joins on connect and leaves on disconnect. @default [] */
  static groups: readonly string[] = []
  declare scope: WebsocketScope
  /** Groups joined with `groupAdd()`: left on disconnect, as `static groups` are. */
  #joined: Set<string> | undefined

  /**
   * Adds this connection's channel to `group`, and remembers it so that
   * disconnecting leaves it. For a group with history, `options.since`
   * (the position the client last had) puts the messages it missed on the
   * channel first; `recovered: false` tells the application to refetch.
   *
   * @example
   * ```ts
   * class LobbyConsumer extends JsonWebsocketConsumer {
   *   override async receiveJson(content: unknown) {
   *     const { since } = content as { since?: StreamPosition }
   *     const join = await this.groupAdd('room.lobby', { since })
   *     if (!join.recovered) await this.sendJson({ type: 'refetch' })
   *   }
   * }
   * ```
   */
  async groupAdd(group: string, options?: GroupAddOptions): Promise<GroupJoin> {
    // A layer written before history resolves to nothing: it keeps none.
    const join = (await this.channelLayer.groupAdd(group, this.channelName, options)) ?? NO_HISTORY
    ;(this.#joined ??= new Set()).add(group)
    return join
  }

  /** Takes this connection's channel out of `group` (joined here or in `static groups`). */
  async groupDiscard(group: string): Promise<void> {
    this.#joined?.delete(group)
    await this.channelLayer.groupDiscard(group, this.channelName)
  }

  /** Handles `websocket.connect`: joins `static groups`, then runs `connect()`. */
  async websocketConnect(_message: WebsocketConnectEvent): Promise<void> {
    const groups = this.#groups()
    if (groups.length > 0) {
      if (!this.hasChannelLayer) {
        throw new ImproperlyConfigured(
          `${this.constructor.name} declares groups (${groups.join(', ')}) but no channel layer is configured ` +
            `under '${this.channelLayerAlias}'; configure one with configureChannelLayers().`,
        )
      }
      for (const group of groups) await this.channelLayer.groupAdd(group, this.channelName)
    }
    try {
      await this.connect()
    } catch (error) {
      if (error instanceof AcceptConnection) await this.accept()
      else if (error instanceof DenyConnection) await this.close()
      else throw error
    }
  }

  /** Called when a client opens the connection. The default accepts it. */
  async connect(): Promise<void> {
    await this.accept()
  }

  /**
   * Accepts the connection, optionally choosing one of the subprotocols the
   * client offered and adding headers to the handshake response.
   */
  async accept(subprotocol?: string | null, headers?: HeaderPairs): Promise<void> {
    await this.baseSend({
      type: 'websocket.accept',
      subprotocol: subprotocol ?? null,
      ...(headers !== undefined ? { headers } : {}),
    })
  }

  /** Handles `websocket.receive` by calling `receive()` with the frame's content. */
  websocketReceive(message: WebsocketReceiveEvent): Promise<void> {
    // Not `async`, like `send()`: one promise fewer on every frame.
    if (typeof message.text === 'string') return this.receive({ text: message.text })
    if (message.bytes instanceof Uint8Array) return this.receive({ bytes: message.bytes })
    return RESOLVED
  }

  /** Called with each frame from the client. The default ignores it. */
  async receive(_data: ReceivedData): Promise<void> {}

  /** Sends one frame, then closes when `options.close` says so. */
  send(data: WebsocketData, options?: WebsocketSendOptions): Promise<void> {
    // Not `async`: the server's promise is returned as it is, so a frame
    // costs no promise of its own here.
    let sent: Promise<void>
    if (typeof data.text === 'string') sent = this.baseSend({ type: 'websocket.send', text: data.text })
    else if (data.bytes instanceof Uint8Array)
      sent = this.baseSend({ type: 'websocket.send', bytes: data.bytes })
    else {
      return Promise.reject(
        new InvalidEvent(
          `${this.constructor.name}.send() needs { text: string } or { bytes: Uint8Array }; got neither.`,
        ),
      )
    }
    const close = options?.close
    if (close === undefined || close === false) return sent
    return sent.then(() => this.close(close === true ? undefined : close))
  }

  /**
   * Handles `websocket.frame` layer messages by sending the frame they carry
   * (`text` or `bytes`) as it is. `JsonWebsocketConsumer.groupSendJson()`
   * sends these, so that a broadcast is encoded once, by its sender, instead
   * of once per member. From a group with history, a text frame holding a
   * JSON object gets the message's `"__position"` as its last key, so the
   * client knows where it stands. Override it to filter (skip the sender,
   * say) and call `super.websocketFrame(message)` to send.
   */
  websocketFrame(message: LayerMessage): Promise<void> {
    if (typeof message.text === 'string') {
      const position = message[POSITION_KEY]
      return this.send({ text: position === undefined ? message.text : positioned(message.text, position) })
    }
    if (message.bytes instanceof Uint8Array) return this.send({ bytes: message.bytes })
    return Promise.reject(
      new InvalidEvent(
        `A 'websocket.frame' message needs a string 'text' or Uint8Array 'bytes'; it had neither.`,
      ),
    )
  }

  /**
   * Closes the connection with `code` (default 1000) and an optional
   * `reason`. Before `accept()` this rejects the handshake (HTTP 403).
   */
  async close(code?: number, reason?: string): Promise<void> {
    await this.baseSend({
      type: 'websocket.close',
      ...(code !== undefined ? { code } : {}),
      ...(reason !== undefined ? { reason } : {}),
    })
  }

  /** Handles `websocket.disconnect`: leaves the groups, runs `disconnect()`, stops the consumer. */
  async websocketDisconnect(message: WebsocketDisconnectEvent): Promise<void> {
    const groups = this.#groups()
    if (groups.length > 0 && this.hasChannelLayer) {
      for (const group of groups) await this.channelLayer.groupDiscard(group, this.channelName)
    }
    if (this.#joined !== undefined && this.hasChannelLayer) {
      for (const group of this.#joined) await this.channelLayer.groupDiscard(group, this.channelName)
      this.#joined = undefined
    }
    await this.disconnect(message.code)
    throw stackless(() => new StopConsumer())
  }

  /** Called once the connection is gone, with its close code. */
  async disconnect(_code: number): Promise<void> {}

  #groups(): readonly string[] {
    return (this.constructor as typeof WebsocketConsumer).groups
  }
}

/** `text` with `"__position"` added when it is a JSON object (the frame is left as it is otherwise). */
function positioned(text: string, position: unknown): string {
  if (!text.startsWith('{') || !text.endsWith('}')) return text
  const entry = `"${POSITION_KEY}":${JSON.stringify(position)}`
  return /^\{\s*\}$/.test(text) ? `{${entry}}` : `${text.slice(0, -1)},${entry}}`
}

registerBaseConsumer(WebsocketConsumer, {
  serverEvents: ['websocketConnect', 'websocketReceive', 'websocketDisconnect'],
  layerHandlers: ['websocketFrame'],
})
