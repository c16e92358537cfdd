/**
 * One joined room: its socket, its timeline and member list, and the views
 * that show them. Leaving the room (or logging out) closes the session; a
 * new room gets a new session, so nothing from the old room can leak in.
 *
 * @module
 */

import { ApiError, me, roomMessages } from './api.js'
import { httpErrorText, socketErrorText } from './error-text.js'
import { Members } from './members.js'
import { RoomClient } from './room-client.js'
import type { ConnectionState, ProbeResult } from './room-client.js'
import { Timeline } from './timeline.js'
import { isChatMessage } from './types.js'
import type { ServerEvent } from './types.js'
import type { Banner } from './views/banner.js'
import type { Composer } from './views/composer.js'
import type { MemberList } from './views/member-list.js'
import type { MessageList } from './views/message-list.js'
import type { StatusView } from './views/status-view.js'

/** Messages per history request (the server's default; at most 200). */
const PAGE = 50
/** After a long outage, stop paging back after this many pages and start over from the newest. */
const MAX_CATCHUP_PAGES = 10

export interface RoomViews {
  messages: MessageList
  members: MemberList
  composer: Composer
  status: StatusView
  banner: Banner
  userinfo: HTMLElement
}

export class RoomSession {
  readonly room: string
  readonly #me: string
  readonly #views: RoomViews
  readonly #onUnauthorized: () => void
  readonly #socket: RoomClient
  #timeline = new Timeline()
  readonly #members = new Members()
  #uid = ''
  #closed = false
  #loadingOlder = false
  #catchingUp: Promise<void> | undefined
  #catchUpAgain = false

  constructor(room: string, me: string, views: RoomViews, onUnauthorized: () => void) {
    this.room = room
    this.#me = me
    this.#views = views
    this.#onUnauthorized = onUnauthorized
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    this.#socket = new RoomClient({
      url: `${scheme}://${location.host}/ws/chat/${encodeURIComponent(room)}/`,
      onOpen: () => this.#onOpen(),
      onEvent: (event) => this.#onEvent(event),
      onState: (state) => this.#onState(state),
      probe,
    })
  }

  start(): void {
    const { messages, members, composer, userinfo } = this.#views
    messages.reset(this.#me)
    members.render([], this.#me)
    composer.setRoom(this.room)
    userinfo.textContent = ''
    // History over HTTP right away, so the room is readable even while the socket is still connecting.
    void this.#catchUp()
    this.#socket.start()
  }

  close(): void {
    this.#closed = true
    this.#socket.close()
  }

  retry(): void {
    this.#socket.retryNow()
  }

  /** Sends a chat message; false (and a notice) when the socket is not open. */
  send(text: string): boolean {
    if (this.#socket.send({ action: 'message', data: { text } })) return true
    this.#views.banner.show('Not connected: your message was not sent. It is still in the box.', {
      code: 'not_connected',
      transient: true,
    })
    return false
  }

  /** Loads the page of messages before the oldest one shown (scrolling to the top, or the button). */
  async loadOlder(): Promise<void> {
    const oldest = this.#timeline.oldestId
    if (this.#loadingOlder || !this.#timeline.hasOlder || oldest === undefined || this.#catchingUp) return
    this.#loadingOlder = true
    this.#views.messages.setHistory({ hasOlder: true, loading: true })
    try {
      const batch = await roomMessages(this.room, PAGE, oldest)
      if (this.#closed) return
      this.#timeline.merge(batch)
      if (batch.length < PAGE) this.#timeline.hasOlder = false
      this.#views.messages.render(this.#timeline.messages)
    } catch (error) {
      this.#httpFailed(error, 'Could not load older messages')
    } finally {
      this.#loadingOlder = false
      if (!this.#closed)
        this.#views.messages.setHistory({ hasOlder: this.#timeline.hasOlder, loading: false })
    }
  }

  #onOpen(): void {
    this.#socket.send({ action: 'userinfo' })
    // Anything said while we were away is only in the database now.
    void this.#catchUp()
  }

  #onEvent(event: ServerEvent): void {
    const { messages, members, banner, userinfo } = this.#views
    switch (event.action) {
      case 'message': {
        if (!isChatMessage(event.data)) return
        if (this.#timeline.merge([event.data]).length === 0) return
        messages.render(this.#timeline.messages, event.data.uid === this.#uid && this.#uid !== '')
        return
      }
      case 'presence':
        if (this.#members.apply(event.data)) members.render(this.#members.list, this.#me)
        return
      case 'userinfo':
        this.#uid = event.data.uid
        userinfo.textContent = `You are ${event.data.username} · connection ${event.data.uid}`
        return
      case 'history':
        this.#timeline.merge(event.data.messages.filter(isChatMessage))
        messages.render(this.#timeline.messages)
        return
      case 'error':
        banner.show(socketErrorText(event.data.code), { code: event.data.code, transient: true })
        return
    }
  }

  #onState(state: ConnectionState): void {
    const { status, composer, banner } = this.#views
    if (this.#closed && state.state !== 'closed') return
    status.render(state)
    composer.connected = state.state === 'open'
    switch (state.state) {
      case 'open':
        for (const code of ['connection_refused', 'rate_limited_close', 'not_connected']) banner.clear(code)
        return
      case 'waiting':
        if (state.reason === 'rate_limited') {
          banner.show('The server disconnected you for sending too fast. Reconnecting after a pause.', {
            code: 'rate_limited_close',
          })
        }
        return
      case 'stopped':
        if (state.reason === 'unauthorized') return this.#onUnauthorized()
        banner.show(refusalText(state.reason, state.detail), { code: 'connection_refused' })
        return
      default:
        return
    }
  }

  /**
   * Fetches what is newer than the newest message we have. The API only has
   * `before`, so: take the newest page and page back until it overlaps what
   * we had; merging by id drops the duplicates.
   */
  async #catchUp(): Promise<void> {
    if (this.#catchingUp) {
      this.#catchUpAgain = true
      return this.#catchingUp
    }
    this.#catchingUp = this.#runCatchUp()
    try {
      await this.#catchingUp
    } finally {
      this.#catchingUp = undefined
    }
    if (this.#catchUpAgain && !this.#closed) {
      this.#catchUpAgain = false
      await this.#catchUp()
    }
  }

  async #runCatchUp(): Promise<void> {
    const known = this.#timeline.newestId
    const first = this.#timeline.size === 0
    const fetched = new Timeline()
    let before: number | undefined
    try {
      for (let page = 0; page < MAX_CATCHUP_PAGES; page++) {
        const batch = await roomMessages(this.room, PAGE, before)
        if (this.#closed) return
        fetched.merge(batch)
        const oldest = batch[0]?.id
        if (batch.length < PAGE) fetched.hasOlder = false
        if (batch.length < PAGE || oldest === undefined || known === undefined || oldest <= known) break
        before = oldest
      }
    } catch (error) {
      return this.#httpFailed(error, 'Could not load the history')
    }
    const overlaps = known === undefined || !fetched.hasOlder || (fetched.oldestId ?? 0) <= known
    if (!overlaps) {
      // Too much was missed to stitch together: show the newest pages and let scrolling load the rest.
      this.#timeline = fetched
      this.#views.messages.reset(this.#me)
    } else {
      this.#timeline.merge(fetched.messages)
      if (first) this.#timeline.hasOlder = fetched.hasOlder
    }
    this.#views.messages.setHistory({ hasOlder: this.#timeline.hasOlder, loading: false })
    this.#views.messages.render(this.#timeline.messages, first || !overlaps)
    // A tall screen may show the whole first page with room to spare: keep loading until it scrolls.
    if (this.#views.messages.underfilled && this.#timeline.hasOlder)
      setTimeout(() => void this.loadOlder(), 0)
  }

  #httpFailed(error: unknown, what: string): void {
    if (this.#closed) return
    if (error instanceof ApiError && error.status === 401) return this.#onUnauthorized()
    this.#views.banner.show(`${what}: ${httpErrorText(error)}`, { code: 'history_failed', transient: true })
  }
}

/** Tells a refused handshake (403) from a dead server or an expired session. */
async function probe(): Promise<ProbeResult> {
  try {
    return (await me()) ? 'ok' : 'unauthorized'
  } catch (error) {
    return error instanceof ApiError && error.status !== 0 && error.status < 500 ? 'ok' : 'unreachable'
  }
}

function refusalText(reason: 'refused' | 'policy' | 'too_many', detail: string): string {
  const why = detail ? ` (${detail})` : ''
  if (reason === 'too_many')
    return (
      'You have too many chat connections open (other tabs or windows). ' +
      'Close one, then use the reconnect button.'
    )
  if (reason === 'policy')
    return `The server refused the chat connection${why}. Use the reconnect button to try again.`
  return (
    'The server refused the chat connection: it answers HTTP but rejects the WebSocket handshake, ' +
    'usually because this address is not in ALLOWED_HOSTS (HTTP 403). Use the reconnect button to try again.'
  )
}
