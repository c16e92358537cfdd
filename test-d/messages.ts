/**
 * Type tests for typed consumers: message maps, handlers, typed group sends,
 * route kwargs and schemas. Every `@ts-expect-error` marks a mistake the
 * compiler must catch.
 */

import * as v from 'valibot'
import { z } from 'zod'

import {
  Consumer,
  HttpConsumer,
  JsonWebsocketConsumer,
  URLRouter,
  WebsocketConsumer,
  getChannelLayer,
  path,
  rePath,
} from 'tschannels'
import type {
  ChannelLayer,
  HandlerName,
  LayerMessage,
  MessageHandlers,
  MessageOf,
  MessagesOfSchemas,
  PathKwargs,
  RePathKwargs,
  ReservedHandlerName,
  SchemaOutput,
  StandardSchemaV1,
} from 'tschannels'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_ok: T): void => {}

// ------------------------------------------------------- the naming rule

expectType<Equal<HandlerName<'chat.message'>, 'chatMessage'>>(true)
expectType<Equal<HandlerName<'chat_message'>, 'chatMessage'>>(true)
expectType<Equal<HandlerName<'user.joined_room'>, 'userJoinedRoom'>>(true)
expectType<Equal<HandlerName<'websocket.receive'>, 'websocketReceive'>>(true)
expectType<Equal<HandlerName<'a..b__c.'>, 'aBC'>>(true)
expectType<Equal<HandlerName<'_private'>, never>>(true)
expectType<Equal<HandlerName<'.hidden'>, never>>(true)

// ----------------------------------------------------------- message maps

interface ChatMessages {
  'chat.message': { text: string; username: string }
  'user.joined': { username: string }
  'room.closed': object
}

expectType<
  Equal<MessageOf<ChatMessages, 'chat.message'>, { type: 'chat.message'; text: string; username: string }>
>(true)
expectType<Equal<MessageOf<ChatMessages, 'room.closed'>, { type: 'room.closed' }>>(true)
expectType<Equal<MessageOf<{ [type: string]: { [field: string]: unknown } }>, LayerMessage>>(true)

class Chat extends WebsocketConsumer<{ messages: ChatMessages }> {
  override async receive({ text }: { text?: string }) {
    // Typed group sends: the map's types with their fields.
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: text ?? '', username: 'ann' })
    await this.channelLayer.send(this.channelName, { type: 'room.closed' })
    // @ts-expect-error: a misspelt type is not in the map.
    await this.channelLayer.groupSend('room', { type: 'chat.mesage', text: 'hi', username: 'ann' })
    // @ts-expect-error: `text` is a string.
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: 42, username: 'ann' })
    // @ts-expect-error: `username` is missing.
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: 'hi' })
    const colour = 'red'
    // @ts-expect-error: `colour` is not a field of chat.message.
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: 'hi', username: 'ann', colour })
    // @ts-expect-error: send() is typed the same way.
    await this.channelLayer.send(this.channelName, { type: 'user.left', username: 'ann' })
  }
  async chatMessage(message: MessageOf<ChatMessages, 'chat.message'>) {
    const text: string = message.text
    await this.send({ text })
  }
  async userJoined(message: MessageOf<ChatMessages, 'user.joined'>) {
    await this.send({ text: `${message.username} joined` })
  }
  async roomClosed() {
    await this.close()
  }
}
URLRouter([path('ws/chat/', Chat.asApp())])

// A handler missing from the class is reported by asApp().
class MissingHandler extends WebsocketConsumer<{ messages: ChatMessages }> {
  async chatMessage(_message: MessageOf<ChatMessages, 'chat.message'>) {}
  async roomClosed() {}
}
// @ts-expect-error: userJoined(message) is missing.
MissingHandler.asApp()

// So is a misspelt one: userJoind() does not handle user.joined.
class MisspeltHandler extends WebsocketConsumer<{ messages: ChatMessages }> {
  async chatMessage(_message: MessageOf<ChatMessages, 'chat.message'>) {}
  async userJoind(_message: MessageOf<ChatMessages, 'user.joined'>) {}
  async roomClosed() {}
}
// @ts-expect-error: userJoined(message) is missing; userJoind is not it.
MisspeltHandler.asApp()

// And a handler that expects another payload.
class WrongPayload extends WebsocketConsumer<{ messages: ChatMessages }> {
  async chatMessage(_message: { type: 'chat.message'; text: number }) {}
  async userJoined(_message: MessageOf<ChatMessages, 'user.joined'>) {}
  async roomClosed() {}
}
// @ts-expect-error: chatMessage takes a text that is a string, not a number.
WrongPayload.asApp()

// `implements MessageHandlers<M>` reports it at the class itself.
// @ts-expect-error: userJoined and roomClosed are missing.
class AtTheClass
  extends WebsocketConsumer<{ messages: ChatMessages }>
  implements MessageHandlers<ChatMessages>
{
  async chatMessage(_message: MessageOf<ChatMessages, 'chat.message'>) {}
}
void AtTheClass

// A type that maps to a base-class member can never be dispatched from the layer.
interface Dangerous {
  close: { code: number }
}
class UsesClose extends WebsocketConsumer<{ messages: Dangerous }> {}
// @ts-expect-error: 'close' maps to close(), which layer messages never reach.
UsesClose.asApp()

// Every consumer flavour takes the map.
class Worker extends Consumer<{ messages: { 'job.run': { id: number } } }> {
  async jobRun(message: { type: 'job.run'; id: number }) {
    await this.channelLayer.send('results', { type: 'job.run', id: message.id + 1 })
  }
}
Worker.asApp()
class Events extends HttpConsumer<{ messages: { 'news.posted': { item: string } } }> {
  async newsPosted(message: { type: 'news.posted'; item: string }) {
    await this.sendBody(`data: ${message.item}\n\n`, { more: true })
  }
}
Events.asApp()
class JsonChat extends JsonWebsocketConsumer<{ text: string }, { echo: string }, { messages: ChatMessages }> {
  override async receiveJson(content: { text: string }) {
    await this.channelLayer.groupSend('room', { type: 'chat.message', text: content.text, username: 'x' })
    await this.groupSendJson('room', { echo: content.text })
  }
  async chatMessage(message: MessageOf<ChatMessages, 'chat.message'>) {
    await this.sendJson({ echo: message.text })
  }
  async userJoined() {}
  async roomClosed() {}
}
JsonChat.asApp()

// Untyped consumers work as before: any type, any fields.
class Untyped extends WebsocketConsumer {
  override async receive() {
    await this.channelLayer.groupSend('room', { type: 'anything.at_all', whatever: [1, 2, 3] })
  }
  async anythingAtAll(message: LayerMessage) {
    await this.send({ text: String(message.whatever) })
  }
}
Untyped.asApp()

// Outside a consumer, a typed view of the layer checks the sends too; an
// untyped layer and a typed view may be assigned to each other.
const layer: ChannelLayer<MessageOf<ChatMessages>> = getChannelLayer()!
void layer.groupSend('room', { type: 'user.joined', username: 'bob' })
// @ts-expect-error: the typed view refuses an unknown type.
void layer.groupSend('room', { type: 'user.left', username: 'bob' })
const untyped: ChannelLayer = layer
void untyped

// ReservedHandlerName lists every public member of the base classes that is
// not a layer handler, so a message map can never name one.
type Members<C> = { [K in keyof C]: K }[keyof C] & string
type BaseMembers =
  | Members<JsonWebsocketConsumer>
  | Members<HttpConsumer>
  | 'constructor'
  | 'toString'
  | 'valueOf'
  | 'toLocaleString'
  | 'hasOwnProperty'
  | 'isPrototypeOf'
  | 'propertyIsEnumerable'
expectType<Equal<Exclude<BaseMembers, 'layerReconnected' | 'websocketFrame'>, ReservedHandlerName>>(true)

// ------------------------------------------------------------ route kwargs

class Room extends WebsocketConsumer<{ kwargs: PathKwargs<'rooms/<slug:room>/'> }> {
  override async connect() {
    const room: string = this.kwargs.room
    // @ts-expect-error: the route captures no `id`.
    void this.kwargs.id
    await this.accept()
    await this.send({ text: room })
  }
}
class RoomById extends WebsocketConsumer<{ kwargs: { id: number } }> {
  override async connect() {
    const id: number = this.kwargs.id
    await this.accept()
    await this.send({ text: String(id) })
  }
}
class Untouched extends WebsocketConsumer {
  override async connect() {
    const anything: unknown = this.kwargs.whatever
    void anything
    await this.accept()
  }
}

URLRouter([
  path('rooms/<slug:room>/', Room.asApp()),
  path('lobby/', Room.asApp(), { room: 'lobby' }),
  path('rooms/<int:id>/', RoomById.asApp()),
  path('<path:anything>/', Untouched.asApp()),
  rePath('^chat/(?P<room>[-\\w]+)/$', Room.asApp()),
  rePath('^chat/(?<room>[-\\w]+)/$', Room.asApp()),
  // A RegExp cannot be read at compile time: not checked.
  rePath(/^chat\/(?<name>\w+)\/$/, Room.asApp()),
  // @ts-expect-error: the route captures `name`, the consumer needs `room`.
  path('rooms/<slug:name>/', Room.asApp()),
  // @ts-expect-error: `id` would be a string, the consumer needs a number.
  path('rooms/<str:id>/', RoomById.asApp()),
  // @ts-expect-error: the route captures nothing.
  path('lobby/', Room.asApp()),
  // @ts-expect-error: the named group is `name`, not `room`.
  rePath('^chat/(?P<name>\\w+)/$', Room.asApp()),
  // @ts-expect-error: rePath values are strings.
  rePath('^rooms/(?P<id>\\d+)/$', RoomById.asApp()),
])
expectType<Equal<RePathKwargs<'^(?P<a>x)/(?<b>y)(?<=z)(?<!w)$'>, { a: string; b: string }>>(true)

// ------------------------------------------------------------------ schemas

const ZodFrame = z.object({ action: z.literal('message'), text: z.string().max(2000) })
class ZodChat extends JsonWebsocketConsumer<z.infer<typeof ZodFrame>> {
  static override frameSchema = ZodFrame
  override async receiveJson(content: z.infer<typeof ZodFrame>) {
    await this.sendJson({ echo: content.text })
  }
}
ZodChat.asApp()

const ValibotFrame = v.object({ action: v.literal('message'), text: v.pipe(v.string(), v.maxLength(2000)) })
class ValibotChat extends JsonWebsocketConsumer<v.InferOutput<typeof ValibotFrame>> {
  static override frameSchema = ValibotFrame
}
ValibotChat.asApp()

const schema: StandardSchemaV1<unknown, { action: 'message'; text: string }> = ZodFrame
const valibotSchema: StandardSchemaV1<unknown, { action: 'message'; text: string }> = ValibotFrame
void [schema, valibotSchema]
expectType<Equal<SchemaOutput<typeof ZodFrame>, { action: 'message'; text: string }>>(true)

class Mismatched extends JsonWebsocketConsumer<{ action: 'message'; text: number }> {
  static override frameSchema = ZodFrame
}
// @ts-expect-error: the schema gives a string text, receiveJson expects a number.
Mismatched.asApp()

const roomSchemas = {
  'chat.message': z.object({ text: z.string(), username: z.string() }),
  'user.joined': v.object({ username: v.string() }),
}
type RoomMessages = MessagesOfSchemas<typeof roomSchemas>
expectType<
  Equal<
    RoomMessages,
    { 'chat.message': { text: string; username: string }; 'user.joined': { username: string } }
  >
>(true)
class Validated extends WebsocketConsumer<{ messages: RoomMessages }> {
  static override messageSchemas = roomSchemas
  async chatMessage(message: MessageOf<RoomMessages, 'chat.message'>) {
    await this.send({ text: message.text })
  }
  async userJoined(_message: MessageOf<RoomMessages, 'user.joined'>) {}
}
Validated.asApp()

class WrongMessageSchema extends WebsocketConsumer<{ messages: { 'chat.message': { text: number } } }> {
  static override messageSchemas = { 'chat.message': z.object({ text: z.string() }) }
  async chatMessage(_message: { type: 'chat.message'; text: number }) {}
}
// @ts-expect-error: the schema gives a string text, the map says number.
WrongMessageSchema.asApp()
