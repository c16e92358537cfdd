/**
 * What a consumer declares about itself for the type checker: the layer
 * messages it handles and the kwargs its route captures. Nothing here exists
 * at run time.
 *
 * @module
 */

import type { expectedRouteKwargs } from '../routing/route-target.js'
import type { AnyMessages, Application, MessageMap, MessageOf } from '../types.js'
import type { HandlerName } from './handler-name.js'
import type { SchemaOutput, StandardSchemaV1 } from './standard-schema.js'

/**
 * The type parameter of `Consumer`, `WebsocketConsumer`, `HttpConsumer` and
 * the third one of `JsonWebsocketConsumer`. Both fields are optional; a
 * consumer that declares nothing is untyped, as before.
 *
 * @example
 * ```ts
 * interface ChatMessages {
 *   'chat.message': { text: string }
 * }
 * class ChatConsumer extends WebsocketConsumer<{
 *   messages: ChatMessages
 *   kwargs: PathKwargs<'ws/chat/<slug:room>/'>
 * }> {
 *   async chatMessage(message: MessageOf<ChatMessages, 'chat.message'>) {
 *     await this.send({ text: `${this.kwargs.room}: ${message.text}` })
 *   }
 * }
 * ```
 */
export interface ConsumerTypes {
  /**
   * The layer messages the consumer handles, as a message map. Each type
   * then needs its handler (`'chat.message'` → `chatMessage(message)`), and
   * `this.channelLayer.send()`/`groupSend()` take only these messages.
   */
  messages?: MessageMap
  /**
   * The kwargs the consumer's route must capture, typed as `this.kwargs`:
   * `PathKwargs<'rooms/<int:id>/'>`, `RePathKwargs<'^rooms/(?P<id>\\d+)/$'>`
   * or a type of your own. `path()` and `rePath()` check that the route
   * provides them.
   */
  kwargs?: object
}

/** The message map a consumer's `ConsumerTypes` declare; `AnyMessages` when none. */
export type MessagesOf<T extends ConsumerTypes> = [T] extends [{ messages: infer M extends MessageMap }]
  ? M
  : AnyMessages

/** The kwargs a consumer's `ConsumerTypes` declare; any kwargs when none. */
export type KwargsOf<T extends ConsumerTypes> = [T] extends [{ kwargs: infer K extends object }]
  ? Readonly<K>
  : Readonly<Record<string, unknown>>

/**
 * Names of the base classes' own members. A message type that maps to one
 * of them (`{ type: 'close' }`, `'to.string'`) is never dispatched from the
 * channel layer, so a message map may not use it. The two handlers the base
 * classes provide for layer messages, `layerReconnected` and
 * `websocketFrame`, are not in the list.
 */
export type ReservedHandlerName =
  | 'accept'
  | 'baseSend'
  | 'channelLayer'
  | 'channelLayerAlias'
  | 'channelName'
  | 'close'
  | 'connect'
  | 'constructor'
  | 'decodeJson'
  | 'disconnect'
  | 'dispatch'
  | 'encodeJson'
  | 'groupAdd'
  | 'groupDiscard'
  | 'groupSendJson'
  | 'handle'
  | 'hasChannelLayer'
  | 'hasOwnProperty'
  | 'httpDisconnect'
  | 'httpRequest'
  | 'invalidFrame'
  | 'invalidMessage'
  | 'isPrototypeOf'
  | 'kwargs'
  | 'maxJsonDepth'
  | 'propertyIsEnumerable'
  | 'receive'
  | 'receiveJson'
  | 'reply'
  | 'responseStarted'
  | 'scope'
  | 'send'
  | 'sendBody'
  | 'sendHeaders'
  | 'sendJson'
  | 'sendResponse'
  | 'toLocaleString'
  | 'toString'
  | 'valueOf'
  | 'websocketConnect'
  | 'websocketDisconnect'
  | 'websocketReceive'

/**
 * The handler methods a message map requires: for each type, the method
 * `handlerName()` gives, taking that message. A consumer with a message map
 * is checked against it by `asApp()`; `implements MessageHandlers<M>` also
 * reports a missing handler at the class itself.
 *
 * @example
 * ```ts
 * interface ChatMessages {
 *   'chat.message': { text: string }
 * }
 * class ChatConsumer extends WebsocketConsumer<{ messages: ChatMessages }> implements MessageHandlers<ChatMessages> {
 *   async chatMessage(message: MessageOf<ChatMessages, 'chat.message'>) {
 *     await this.send({ text: message.text })
 *   }
 * }
 * ```
 */
export type MessageHandlers<M extends MessageMap> = {
  [K in keyof M & string as [HandlerName<K>] extends [never] ? K : HandlerName<K>]: [HandlerName<K>] extends [
    never,
  ]
    ? `'${K}' starts with '_' or '.', which no handler can have: rename the message type`
    : HandlerName<K> extends ReservedHandlerName
      ? `'${K}' maps to ${HandlerName<K>}(), a consumer method that layer messages never reach: rename the message type`
      : (message: MessageOf<M, K>) => unknown
}

/**
 * What `asApp()` requires of a consumer class: with a message map, that its
 * instances have every handler it names.
 */
export type HandlersCheck<C> = string extends keyof MessagesOfInstance<C>
  ? unknown
  : new () => MessageHandlers<MessagesOfInstance<C>>

/**
 * What `asApp()` requires of a consumer class's schemas: that `frameSchema`
 * gives what `receiveJson()` takes (`In`), and that each `messageSchemas`
 * entry gives the fields the message map declares for its type.
 */
export type SchemasCheck<K> = FrameSchemaCheck<K> & MessageSchemasCheck<K>

// A class that does not set the static keeps the base class's type, which
// any schema is assignable to: nothing to check then.
type FrameSchemaCheck<K> = K extends { frameSchema?: infer S }
  ? StandardSchemaV1 extends S
    ? unknown
    : K extends new () => { decodeJson(text: string): infer In }
      ? { readonly frameSchema?: StandardSchemaV1<unknown, In> | undefined }
      : unknown
  : unknown

type MessageSchemasCheck<K> = K extends { messageSchemas?: infer S }
  ? Readonly<Record<string, StandardSchemaV1>> extends S
    ? unknown
    : K extends new () => infer C
      ? string extends keyof MessagesOfInstance<C>
        ? unknown
        : {
            readonly messageSchemas?:
              | {
                  readonly [T in keyof MessagesOfInstance<C>]?: StandardSchemaV1<
                    unknown,
                    MessagesOfInstance<C>[T]
                  >
                }
              | undefined
          }
      : unknown
  : unknown

type MessagesOfInstance<C> = C extends { readonly [consumerTypes]?: infer T extends ConsumerTypes }
  ? MessagesOf<T>
  : AnyMessages

/**
 * The message map a set of schemas describes, keyed by message type: declare
 * the schemas once and get both the run-time check (`messageSchemas`) and the
 * types (`messages`).
 *
 * @example
 * ```ts
 * import * as v from 'valibot'
 *
 * const roomSchemas = { 'chat.message': v.object({ text: v.string() }) }
 * type RoomMessages = MessagesOfSchemas<typeof roomSchemas> // { 'chat.message': { text: string } }
 * ```
 */
export type MessagesOfSchemas<S extends Readonly<Record<string, StandardSchemaV1>>> = {
  -readonly [T in keyof S]: Omit<SchemaOutput<S[T]>, 'type'>
}

/** The kwargs a consumer class's route must provide, as `asApp()` reports them to `path()`. */
export type RequiredKwargs<C> = C extends { readonly [consumerTypes]?: infer T extends ConsumerTypes }
  ? T extends { kwargs: infer K extends object }
    ? K
    : object
  : object

/**
 * The application `asApp()` returns: an `Application` that also tells
 * `path()` and `rePath()`, at compile time only, which kwargs the consumer
 * expects from its route.
 */
export type ConsumerApplication<K extends object = object> = Application & {
  readonly [expectedRouteKwargs]?: (kwargs: K) => void
}

/**
 * The key under which a consumer's instance type carries its
 * `ConsumerTypes`, for `asApp()` to read. It exists only for the compiler:
 * nothing is stored under it.
 */
export declare const consumerTypes: unique symbol
