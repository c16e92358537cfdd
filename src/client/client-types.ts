/**
 * The type parameter of `ChannelsClient`: message maps for what the server
 * sends, what the client sends and what each request is answered with, in
 * the shape of the consumers' message maps (`{ 'chat.message': { text: string } }`).
 * Nothing here exists at run time.
 *
 * @module
 */

/**
 * What a client declares about its server. Every field is optional; a
 * client that declares nothing sends and receives any JSON value.
 *
 * @example
 * ```ts
 * import { ChannelsClient } from 'tschannels/client'
 * import type { ClientTypes } from 'tschannels/client'
 *
 * interface ChatTypes extends ClientTypes {
 *   receive: { 'chat.message': { text: string; username: string } }
 *   send: { 'chat.send': { text: string }; 'room.history': { before?: number } }
 *   replies: { 'room.history': { messages: string[] } }
 * }
 * const client = new ChannelsClient<ChatTypes>('wss://example.com/ws/chat/lobby/')
 * client.send({ type: 'chat.send', text: 'hello' })
 * const { messages } = await client.request({ type: 'room.history' })
 * ```
 */
export interface ClientTypes {
  /** The values the server sends, as a message map. */
  receive?: object
  /** The values the client sends, as a message map. */
  send?: object
  /** For each request type of `send`, the fields of its reply. */
  replies?: object
}

/** `{ type: K } & fields` for each type of a message map, as a union. */
export type MessageFromMap<M> = { [K in keyof M & string]: { type: K } & M[K] }[keyof M & string]

/** The values the server sends to a client of type `T`. */
export type IncomingOf<T extends ClientTypes> = T extends { receive: infer M } ? MessageFromMap<M> : unknown

/** The values a client of type `T` sends. */
export type OutgoingOf<T extends ClientTypes> = T extends { send: infer M } ? MessageFromMap<M> : unknown

/** The reply to the request `V` of a client of type `T`. */
export type ReplyOf<T extends ClientTypes, V> = T extends { replies: infer R }
  ? V extends { type: infer K extends keyof R }
    ? R[K] & { __reply: number }
    : IncomingOf<T>
  : IncomingOf<T>
