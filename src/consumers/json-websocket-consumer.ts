/**
 * `JsonWebsocketConsumer`: a WebSocket consumer that speaks JSON text frames.
 *
 * @module
 */

import type { InvalidFrame } from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { InvalidJson, UnsupportedFrame } from '../errors.js'
import { rejectWith } from '../util/reject-with.js'
import type { ReceivedData, WebsocketSendOptions } from './websocket-consumer.js'
import { WebsocketConsumer } from './websocket-consumer.js'
import type { ConsumerTypes } from './consumer-types.js'
import { registerBaseConsumer } from './dispatch-table.js'

/**
 * A WebSocket consumer whose frames are JSON. Override `receiveJson()` for
 * decoded messages and call `sendJson()` to answer; `In` and `Out` type them.
 * A binary frame or a text frame that is not JSON reaches `invalidFrame()`,
 * whose default closes the connection with 1003 or 1007 and a reason; override
 * it to answer with an error message instead.
 *
 * `decodeJson` does not validate the shape of what it parses: `In` is a
 * promise your code keeps, so check untrusted fields before you use them.
 *
 * @example
 * ```ts
 * type In = { action: 'message'; text: string }
 * class ChatConsumer extends JsonWebsocketConsumer<In> {
 *   override async receiveJson(content: In) {
 *     await this.sendJson({ echo: content.text })
 *   }
 *   override async invalidFrame(error: InvalidFrame) {
 *     await this.sendJson({ error: error.code })
 *   }
 * }
 * ```
 */
export class JsonWebsocketConsumer<
  In = unknown,
  Out = unknown,
  T extends ConsumerTypes = ConsumerTypes,
> extends WebsocketConsumer<T> {
  /** Decodes text frames and hands them to `receiveJson()`. */
  override async receive(data: ReceivedData): Promise<void> {
    if (data.text === undefined) {
      await this.invalidFrame(
        new UnsupportedFrame(
          `${this.constructor.name} accepts JSON text frames only; a binary frame arrived.`,
        ),
      )
      return
    }
    let content: In
    try {
      content = this.decodeJson(data.text)
    } catch (error) {
      await this.invalidFrame(
        new InvalidJson(`${this.constructor.name} received a text frame that is not valid JSON.`, {
          cause: error,
        }),
      )
      return
    }
    await this.receiveJson(content)
  }

  /** Called with each decoded message. The default ignores it. */
  async receiveJson(_content: In): Promise<void> {}

  /** Encodes `content` and sends it as one text frame. */
  sendJson(content: Out, options?: WebsocketSendOptions): Promise<void> {
    // Not `async`: the server's promise is returned as it is (one promise and
    // one microtask fewer per frame), and an encoding error still rejects.
    let text: string
    try {
      text = this.encodeJson(content)
    } catch (error) {
      return rejectWith(error)
    }
    return this.send({ text }, options)
  }

  /**
   * Sends `content` to every member of `group` through the channel layer,
   * encoded once, here: each member's consumer forwards the same text in
   * `websocketFrame()`. A handler calling `sendJson()` for a group message
   * would encode it again for every member, which is most of the CPU a
   * broadcast to a large room costs.
   *
   * @example
   * ```ts
   * override async receiveJson(content: In) {
   *   await this.groupSendJson('room.lobby', { action: 'message', data: content })
   * }
   * ```
   */
  groupSendJson(group: string, content: Out): Promise<void> {
    let text: string
    try {
      text = this.encodeJson(content)
    } catch (error) {
      return rejectWith(error)
    }
    // The frame message is the base class's own, outside any message map.
    const layer: ChannelLayer = this.channelLayer
    return layer.groupSend(group, { type: 'websocket.frame', text })
  }

  /**
   * Called with a frame that could not be decoded. The default closes with
   * the error's `closeCode` (1003 binary, 1007 invalid JSON) and a short
   * reason; the error's details never reach the client.
   */
  async invalidFrame(error: InvalidFrame): Promise<void> {
    await this.close(
      error.closeCode,
      error instanceof UnsupportedFrame ? 'Binary frames are not supported' : 'Invalid JSON',
    )
  }

  /**
   * Parses a text frame; override to use another codec or a reviver. It is
   * synchronous, unlike Channels', because it runs for every frame and JSON
   * work is synchronous anyway.
   */
  decodeJson(text: string): In {
    return JSON.parse(text) as In
  }

  /** Serialises an outgoing message; override to use another codec or a replacer. */
  encodeJson(content: Out): string {
    return JSON.stringify(content)
  }
}

registerBaseConsumer(JsonWebsocketConsumer, {})
