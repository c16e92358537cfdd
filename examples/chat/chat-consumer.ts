/**
 * The chat socket, `/ws/chat/<room>/`: messages, history, userinfo and
 * presence, with the contract's errors and flood limit, and recovery of
 * what a reconnecting client missed.
 *
 * @module
 */

import { ImproperlyConfigured, JsonTooDeep, JsonWebsocketConsumer, UnsupportedFrame } from 'tschannels'
import type {
  InvalidFrame,
  LayerPresence,
  MessageOf,
  MessagePosition,
  PresenceInfo,
  ReceivedData,
  RePathKwargs,
  StreamPosition,
} from 'tschannels'

import { floodGuardFor } from './flood-guard.js'
import type { FloodGuard } from './flood-guard.js'
import { RoomRoster } from './room-roster.js'
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
 * the channel of the connection it announces (which skips it), if any, and
 * the position the room's history gave it; and the library's presence events.
 */
export interface RoomMessages {
  [FRAME_TYPE]: { text: string; skip?: string; __position?: MessagePosition }
  'presence.join': { group: string; channel: string; info: PresenceInfo }
  'presence.leave': { group: string; channel: string; info: PresenceInfo }
}

/** How long the room's history is kept for reconnecting clients: the last 200 messages, for 5 minutes. */
export const ROOM_HISTORY = { 'chat.room.*': { size: 200, ttl: 300 } }

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
  readonly #roster = new RoomRoster()
  /** The room's offset when this connection joined: what came later reached it live. */
  #joinedAt = 0
  /** The highest offset sent to the client: a resume must not send it again. */
  #sentUpTo = 0
  /** The epoch `#joinedAt` and `#sentUpTo` count in. */
  #epoch = ''
  #resumed = false

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
    const join = await this.groupAdd(this.#group)
    this.#joinedAt = this.#sentUpTo = join.offset
    this.#epoch = join.epoch
    const presence = this.#presence()
    // The others learn of this connection from the join event; its user is new to them if it is their first.
    await presence.join(this.#group, this.channelName, { username: this.#username })
    for (const { channel, info } of await presence.list(this.#group)) {
      if (typeof info.username === 'string') this.#roster.add(channel, info.username)
    }
    this.#joined = true
    await this.sendJson({ action: 'presence', data: { members: this.#roster.members() } })
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
    if (content.type === 'resume') return this.#resume(content.positions)
    // ChannelsClient's heartbeat: the page learns a dead connection this way.
    if (content.type === 'ping') return this.sendJson({ type: 'pong' })
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

  /**
   * Sends a broadcast frame to this client, unless this is the connection
   * it announces, with the room position it carries (`"__position"`, added
   * to the frame its sender encoded), so the client can resume from it.
   */
  async chatFrame(message: MessageOf<RoomMessages, typeof FRAME_TYPE>): Promise<void> {
    if (this.#closing || message.skip === this.channelName) return
    const position = message.__position
    if (position === undefined) return this.send({ text: message.text })
    // After a resume, the live frames this connection already sent come again from the history.
    if (position.epoch !== this.#epoch) {
      // The room's history was lost: its offsets start again, and nothing of them was sent yet.
      this.#epoch = position.epoch
      this.#joinedAt = this.#sentUpTo = 0
    } else if (this.#resumed && position.offset > this.#joinedAt && position.offset <= this.#sentUpTo) return
    this.#sentUpTo = Math.max(this.#sentUpTo, position.offset)
    await this.send({ text: `${message.text.slice(0, -1)},"__position":${JSON.stringify(position)}}` })
  }

  /** Another connection is in the room: tell this client if its user is new here. */
  async presenceJoin(event: MessageOf<RoomMessages, 'presence.join'>): Promise<void> {
    const username = event.info.username
    if (typeof username !== 'string' || !this.#roster.add(event.channel, username)) return
    if (!this.#closing) await this.sendJson({ action: 'presence', data: { joined: username } })
  }

  /** A connection left the room (or its process died): tell this client if it was its user's last. */
  async presenceLeave(event: MessageOf<RoomMessages, 'presence.leave'>): Promise<void> {
    const username = this.#roster.remove(event.channel)
    if (username !== undefined && !this.#closing) {
      await this.sendJson({ action: 'presence', data: { left: username } })
    }
  }

  override async disconnect(): Promise<void> {
    if (!this.#joined) return
    this.#joined = false
    await this.#presence().leave(this.#group, this.channelName)
  }

  /**
   * A reconnecting client says where it stood: the frames it missed follow
   * `resumed`, in order; when the room's history cannot give them (too old,
   * or Redis lost it), the latest page from the database does.
   */
  async #resume(positions: unknown): Promise<void> {
    // Once per connection: each resume queues the room's history again.
    if (this.#resumed) return this.#error('invalid_message')
    const since: unknown = isObject(positions) ? positions[this.#group] : undefined
    // The layer checks what the client sent: a malformed position is one it does not know.
    const join = await this.groupAdd(
      this.#group,
      isObject(since) ? { since: since as unknown as StreamPosition } : undefined,
    )
    this.#resumed = true
    await this.sendJson({ type: 'resumed', groups: { [this.#group]: join } })
    if (!join.recovered) await this.#history(undefined)
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

  #presence(): LayerPresence {
    const presence = this.channelLayer.presence
    if (presence === undefined)
      throw new ImproperlyConfigured('The chat needs a channel layer with presence.')
    return presence
  }

  #error(code: ChatErrorCode): Promise<void> {
    return this.sendJson({ action: 'error', data: { code } })
  }
}
