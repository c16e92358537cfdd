/**
 * `JsonWebsocketConsumer`: a WebSocket consumer that speaks JSON text frames.
 *
 * @module
 */

import type { InvalidFrame } from '../errors.js'
import { InvalidContent, InvalidJson, JsonTooDeep, UnsupportedFrame } from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { rejectWith } from '../util/reject-with.js'
import { nestsDeeper } from './json-depth.js'
import type { ReceivedData, WebsocketSendOptions } from './websocket-consumer.js'
import { WebsocketConsumer } from './websocket-consumer.js'
import type { ConsumerTypes } from './consumer-types.js'
import { registerBaseConsumer } from './dispatch-table.js'
import { replyTo } from './client-protocol.js'
import type { RequestFrame } from '../client/protocol.js'
import { describeIssues } from './standard-schema.js'
import type { StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js'

const CLOSE_REASONS = new Map<string, string>([
  [UnsupportedFrame.code, 'Binary frames are not supported'],
  [InvalidJson.code, 'Invalid JSON'],
  [InvalidContent.code, 'Invalid message'],
  [JsonTooDeep.code, 'JSON nested too deeply'],
])

/**
 * A WebSocket consumer whose frames are JSON. Override `receiveJson()` for
 * decoded messages and call `sendJson()` to answer; `In` and `Out` type them,
 * and `T` declares the layer messages and route kwargs (`ConsumerTypes`).
 * A binary frame or a text frame that is not JSON reaches `invalidFrame()`,
 * whose default closes the connection with 1003 or 1007 and a reason; override
 * it to answer with an error message instead.
 *
 * Without a `frameSchema`, `In` is a promise your code keeps: `decodeJson`
 * does not check the shape of what it parses. With one (zod, valibot,
 * arktype, any Standard Schema), every decoded frame is validated first,
 * and one that fails reaches `invalidFrame()` as `InvalidContent`, never
 * `receiveJson()`.
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
  /**
   * How deep arrays and objects may nest in a frame; a deeper one reaches
   * `invalidFrame()` as `JsonTooDeep` (close 1009 by default) and never
   * `receiveJson()`. `JSON.parse` reads any depth, but `JSON.stringify`
   * overflows the stack a few thousand levels down, so a message that parsed
   * fine could otherwise fail later, when echoed or broadcast.
   * @default 128
   */
  maxJsonDepth = 128

  /**
   * A schema every decoded frame must pass before `receiveJson()` gets it
   * (with the schema's output: defaults and transforms applied). A frame
   * that fails goes to `invalidFrame()` as `InvalidContent`, whose default
   * closes with 1007; override `invalidFrame()` to answer with
   * `error.issues` instead. Its output type must fit `In`, which `asApp()`
   * checks. Consumers without one pay nothing for the feature.
   * @default undefined
   *
   * @example
   * ```ts
   * import { z } from 'zod'
   *
   * const Frame = z.object({ action: z.literal('message'), text: z.string().min(1).max(2000) })
   * class Chat extends JsonWebsocketConsumer<z.infer<typeof Frame>> {
   *   static override frameSchema = Frame
   *   override async receiveJson(content: z.infer<typeof Frame>) {
   *     await this.sendJson({ echo: content.text })
   *   }
   * }
   * ```
   */
  static frameSchema: StandardSchemaV1 | undefined = undefined

  /** Decodes text frames, validates them against `frameSchema` if any, and hands them to `receiveJson()`. */
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
    // Each level takes two characters at least, so most frames skip the walk.
    if (data.text.length > 2 * this.maxJsonDepth && nestsDeeper(content, this.maxJsonDepth)) {
      await this.invalidFrame(
        new JsonTooDeep(
          `${this.constructor.name} received JSON nested deeper than ${this.maxJsonDepth} levels (maxJsonDepth).`,
        ),
      )
      return
    }
    const schema = (this.constructor as typeof JsonWebsocketConsumer).frameSchema
    if (schema === undefined) return this.receiveJson(content)
    let result = schema['~standard'].validate(content) as
      StandardSchemaResult<In> | Promise<StandardSchemaResult<In>>
    if (result instanceof Promise) result = await result
    if (result.issues !== undefined) {
      const issues = describeIssues(result.issues)
      await this.invalidFrame(
        new InvalidContent(
          `${this.constructor.name} received content that does not match its frameSchema: ` +
            issues.map((issue) => `${issue.path || '(the content)'}: ${issue.message}`).join('; '),
          issues,
        ),
      )
      return
    }
    await this.receiveJson(result.value)
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
   * Answers a `ChannelsClient.request()`: sends `value` with the request's
   * id under `__reply`, which the client resolves the request with.
   *
   * @example
   * ```ts member=JsonWebsocketConsumer
   * override async receiveJson(content: unknown) {
   *   if (isRequest(content)) await this.reply(content, { members: ['ada', 'grace'] })
   * }
   * ```
   */
  reply(request: RequestFrame, value: object): Promise<void> {
    return this.sendJson(replyTo(request, value) as Out)
  }

  /**
   * Sends `content` to every member of `group` through the channel layer,
   * encoded once, here: each member's consumer forwards the same text in
   * `websocketFrame()`. A handler calling `sendJson()` for a group message
   * would encode it again for every member, which is most of the CPU a
   * broadcast to a large room costs.
   *
   * @example
   * ```ts member=JsonWebsocketConsumer
   * override async receiveJson(content: unknown) {
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
   * Called with a frame that could not be decoded, or whose content failed
   * `frameSchema`. The default closes with the error's `closeCode` (1003
   * binary, 1007 invalid JSON or content) and a short reason; the error's
   * details never reach the client. Override it to answer instead, for
   * example with `error.issues` for `InvalidContent`.
   */
  async invalidFrame(error: InvalidFrame): Promise<void> {
    await this.close(error.closeCode, CLOSE_REASONS.get(error.code) ?? 'Invalid frame')
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
