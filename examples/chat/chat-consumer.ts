/**
 * The chat socket, `/ws/chat/<room>/`: messages, history, userinfo and
 * presence, with the contract's errors and flood limit.
 *
 * @module
 */

import { JsonTooDeep, JsonWebsocketConsumer, UnsupportedFrame } from 'tschannels'
import type { InvalidFrame, MessageOf, ReceivedData, RePathKwargs } from 'tschannels'

import { floodGuardFor } from './flood-guard.js'
import type { FloodGuard } from './flood-guard.js'
import { TEXT_MAX, characterCount, historyParams, isObject, roomGroup, storable } from './rules.js'
import type { ChatServices } from './services.js'

/** Close codes of the chat socket. */
export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_RATE_LIMITED = 4429
/** A user (or address) already holds as many sockets as the chat allows. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4008

/** The layer message every broadcast travels in: a frame encoded once by its sender. */
export const FRAME_TYPE = 'chat.frame'

/** The chat socket's route: the room name is the `room` kwarg. */
export const CHAT_ROUTE = '^ws/chat/(?<room>[A-Za-z0-9_-]{1,64})/$'

/**
 * The layer messages a room's consumers exchange: the broadcast frame, with
 * the channel of the connection it announces (which skips it), if any.
 */
export interface RoomMessages {
  [FRAME_TYPE]: { text: string; skip?: string }
}

// A frame carrying more than this (text plus extra fields) is refused, so one
// client cannot make the server fan megabytes out to a whole room.
const MAX_MESSAGE_FRAME = 65_536

/** Error codes sent as `{"action": "error", "data": {"code"}}`. */
export type ChatErrorCode =
  'invalid_json' | 'unknown_action' | 'invalid_message' | 'unsupported' | 'rate_limited'

/**
 * One connection to one room. Authenticated by the middleware around it
 * (session cookie, or a JWT from `?token=`, the `X-Token` cookie or the
 * `bearer` subprotocol); without a user it accepts and closes with 4401,
 * so a browser can tell why.
 *
 * Broadcasts are encoded once, by the sender, and travel as a ready frame
 * (`chat.frame`): every member's consumer sends the same string, none
 * encodes it again.
 */
export class ChatConsumer extends JsonWebsocketConsumer<
  unknown,
  unknown,
  { messages: RoomMessages; kwargs: RePathKwargs<typeof CHAT_ROUTE> }
> {
  /** Set by `asApp({ services })`. */
  declare services: ChatServices
  #room = ''
  #group = ''
  #username = ''
  #joined = false
  #closing = false
  #frameLength = 0
  #guard: FloodGuard | null = null

  override async connect(): Promise<void> {
    const user = await this.scope.user
    if (!user?.isAuthenticated) {
      this.#closing = true
      // A client that offered `bearer, <token>` fails the handshake unless `bearer` is echoed.
      await this.accept(this.scope.subprotocols.includes('bearer') ? 'bearer' : null)
      await this.close(CLOSE_UNAUTHORIZED, 'Authentication required')
      return
    }
    this.#username = user.username
    this.#guard = floodGuardFor(this.services.config.limits)
    this.#room = this.kwargs.room
    this.#group = roomGroup(this.#room)
    await this.accept()
    // Join the group first: nothing said from here on is missed. Layer
    // messages wait until connect() returns, so `members` is the first frame.
    await this.channelLayer.groupAdd(this.#group, this.channelName)
    const { first, members } = await this.services.presence.join(this.#room, this.#username)
    this.#joined = true
    await this.sendJson({ action: 'presence', data: { members } })
    if (first) {
      await this.#broadcast({ action: 'presence', data: { joined: this.#username } }, this.channelName)
    }
  }

  override async receive(data: ReceivedData): Promise<void> {
    if (this.#closing) return
    switch (this.#guard?.check() ?? 'ok') {
      case 'ok':
        this.#frameLength = data.text?.length ?? 0
        return super.receive(data)
      case 'limited':
        return this.#error('rate_limited')
      case 'close':
        this.#closing = true
        return this.close(CLOSE_RATE_LIMITED, 'Too many messages')
    }
  }

  override async invalidFrame(error: InvalidFrame): Promise<void> {
    if (error instanceof UnsupportedFrame) return this.#error('unsupported')
    // Valid JSON, but nested deeper than any message of the contract.
    await this.#error(error instanceof JsonTooDeep ? 'invalid_message' : 'invalid_json')
  }

  override async receiveJson(content: unknown): Promise<void> {
    if (!isObject(content)) return this.#error('unknown_action')
    switch (content.action) {
      case 'message':
        return this.#message(content.data)
      case 'userinfo':
        return this.sendJson({
          action: 'userinfo',
          data: { username: this.#username, uid: this.channelName },
        })
      case 'history':
        return this.#history(content.data)
      default:
        return this.#error('unknown_action')
    }
  }

  /** Sends a broadcast frame to this client, unless this is the connection it announces. */
  async chatFrame(message: MessageOf<RoomMessages, typeof FRAME_TYPE>): Promise<void> {
    if (this.#closing || message.skip === this.channelName) return
    await this.send({ text: message.text })
  }

  override async disconnect(): Promise<void> {
    if (!this.#joined) return
    this.#joined = false
    if (await this.services.presence.leave(this.#room, this.#username)) {
      await this.#broadcast({ action: 'presence', data: { left: this.#username } })
    }
  }

  async #message(data: unknown): Promise<void> {
    if (!isObject(data) || typeof data.text !== 'string' || this.#frameLength > MAX_MESSAGE_FRAME) {
      return this.#error('invalid_message')
    }
    const text = data.text.trim()
    const length = characterCount(text, TEXT_MAX)
    if (length < 1 || length > TEXT_MAX || !storable(text)) return this.#error('invalid_message')
    const time = Date.now() / 1000
    // Stored first: whoever sees the message can find it in the history.
    const id = await this.services.store.addMessage(this.#room, this.#username, text, time)
    await this.#broadcast({
      action: 'message',
      // The client's extra fields first, so none of them can override ours.
      data: { ...data, id, text, username: this.#username, uid: this.channelName, time },
      time,
    })
  }

  async #history(data: unknown): Promise<void> {
    if (data !== undefined && data !== null && !isObject(data)) return this.#error('invalid_message')
    const params = historyParams(data?.limit, data?.before)
    if (params === null) return this.#error('invalid_message')
    const messages = await this.services.store.messages(this.#room, params.limit, params.before)
    await this.sendJson({ action: 'history', data: { messages } })
  }

  async #broadcast(frame: unknown, skip?: string): Promise<void> {
    const message: MessageOf<RoomMessages, typeof FRAME_TYPE> = {
      type: FRAME_TYPE,
      text: JSON.stringify(frame),
    }
    if (skip !== undefined) message.skip = skip
    await this.channelLayer.groupSend(this.#group, message)
  }

  #error(code: ChatErrorCode): Promise<void> {
    return this.sendJson({ action: 'error', data: { code } })
  }
}
