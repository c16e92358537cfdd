/**
 * Consumers: one instance per connection, one method per message type.
 *
 * @module
 */

export { answerClientFrame, isRequest, replyTo } from './client-protocol.js'
export type { ClientFrameOptions, ClientProtocolConsumer } from './client-protocol.js'
export { Consumer } from './consumer.js'
export type { ConsumerClass, ConsumerInit } from './consumer.js'
export type {
  ConsumerApplication,
  ConsumerTypes,
  KwargsOf,
  MessageHandlers,
  MessagesOf,
  MessagesOfSchemas,
  ReservedHandlerName,
} from './consumer-types.js'
export { handlerName } from './handler-name.js'
export type { HandlerName } from './handler-name.js'
export { HttpConsumer } from './http-consumer.js'
export type { BodyChunk, HeadersInit, ResponseHeaders, SendBodyOptions } from './http-consumer.js'
export type {
  SchemaOutput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
  ValidationIssue,
} from './standard-schema.js'
export { JsonWebsocketConsumer } from './json-websocket-consumer.js'
export { WebsocketConsumer } from './websocket-consumer.js'
export type { ReceivedData, WebsocketData, WebsocketSendOptions } from './websocket-consumer.js'
