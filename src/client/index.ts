/**
 * `tschannels/client`: the browser and Node client for tschannels servers.
 * No dependencies; see docs/client.md.
 *
 * @module
 */

export { ChannelsClient } from './channels-client.js'
export type {
  ChannelsClientOptions,
  ClientClock,
  ClientSocket,
  ClientSocketConstructor,
  ClientState,
} from './channels-client.js'
export {
  ClientCloseEvent,
  ClientErrorEvent,
  ClientMessageEvent,
  ReconnectingEvent,
  RecoveredEvent,
} from './client-events.js'
export type { ChannelsClientEventMap } from './client-events.js'
export type { ClientTypes, IncomingOf, MessageFromMap, OutgoingOf, ReplyOf } from './client-types.js'
export { backoffDelay } from './backoff.js'
export type { BackoffOptions } from './backoff.js'
export { closeAction, retryAfterReason } from './close-policy.js'
export type { CloseAction } from './close-policy.js'
export { PING_FRAME, PONG_FRAME, POSITION_KEY, REPLY_KEY, REQUEST_KEY } from './protocol.js'
export type {
  GroupPosition,
  GroupRecovery,
  RequestFrame,
  ResumeFrame,
  ResumedFrame,
  StreamPosition,
} from './protocol.js'
export { ClientClosed, RequestTimeout, SendQueueFull } from '../errors.js'
