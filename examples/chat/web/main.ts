/**
 * The chat page's entry point and its top-level state machine:
 *
 *     loading --GET /api/me--> login | chat
 *     login --log in / register--> chat
 *     chat --log out, 401, close 4401--> login
 *
 * Inside `chat`, the URL hash picks the room (see room-hash.ts) and a
 * RoomSession owns the connection. docs/chat-page.md has the whole picture.
 *
 * @module
 */

import { ApiError, login, logout, me, register } from './api.js'
import type { User } from './api.js'
import { httpErrorText } from './error-text.js'
import { recentRooms, rememberRoom, roomFromHash, setRoomHash } from './room-hash.js'
import { RoomSession } from './room-session.js'
import { AuthView } from './views/auth-view.js'
import type { AuthMode } from './views/auth-view.js'
import { Banner } from './views/banner.js'
import { Composer } from './views/composer.js'
import { byTestId, query } from './views/dom.js'
import { MemberList } from './views/member-list.js'
import { MessageList } from './views/message-list.js'
import { RoomPicker } from './views/room-picker.js'
import { StatusView } from './views/status-view.js'

type View = 'loading' | 'login' | 'chat'

class App {
  #user: User | undefined
  #session: RoomSession | undefined

  readonly #banner = new Banner()
  readonly #auth = new AuthView((mode, username, password) => this.#authenticate(mode, username, password))
  readonly #status = new StatusView(() => this.#session?.retry())
  readonly #picker = new RoomPicker(
    (room) => setRoomHash(room),
    (text) => this.#banner.show(text, { code: 'invalid_room', transient: true }),
  )
  readonly #messages = new MessageList(() => void this.#session?.loadOlder())
  readonly #members = new MemberList()
  readonly #composer = new Composer(
    (text) => this.#session?.send(text) ?? false,
    (text) => this.#banner.show(text, { code: 'invalid_message', transient: true }),
  )

  async boot(): Promise<void> {
    byTestId('logout-button').addEventListener('click', () => void this.#logout())
    window.addEventListener('hashchange', () => this.#openRoomFromHash())
    try {
      const user = await me()
      if (user) return this.#enterChat(user)
      this.#showLogin()
    } catch (error) {
      this.#showLogin()
      this.#banner.show(httpErrorText(error), { code: error instanceof ApiError ? error.code : 'boot' })
    }
  }

  async #authenticate(mode: AuthMode, username: string, password: string): Promise<void> {
    try {
      if (mode === 'register') await register(username, password)
      const user = await login(username, password)
      this.#banner.hide()
      this.#enterChat(user)
    } catch (error) {
      this.#auth.showError(httpErrorText(error))
    }
  }

  async #logout(): Promise<void> {
    this.#leaveRoom()
    try {
      await logout()
    } catch (error) {
      // The local state is gone either way; say so only if the server kept the session.
      this.#banner.show(`Logging out failed: ${httpErrorText(error)}`, { code: 'logout_failed' })
    }
    this.#user = undefined
    this.#showLogin()
  }

  /** A 401 or a 4401 close: the session expired or was revoked. */
  #sessionLost(): void {
    this.#leaveRoom()
    this.#user = undefined
    this.#showLogin('Your session has ended. Log in again to continue.')
  }

  #showLogin(notice?: string): void {
    // Whatever the banner said was about the chat that is now gone.
    this.#banner.hide()
    this.#setView('login')
    this.#auth.show(notice)
  }

  #enterChat(user: User): void {
    this.#user = user
    byTestId('current-user').textContent = user.username
    query('.whoami .avatar').textContent = user.username.charAt(0).toUpperCase()
    this.#setView('chat')
    this.#openRoomFromHash()
  }

  /** Joins the room the hash names (leaving the current one), or shows the room picker. */
  #openRoomFromHash(): void {
    const user = this.#user
    if (!user) return
    const room = roomFromHash()
    if (room === null) {
      this.#banner.show('That link does not name a valid room.', { code: 'invalid_room' })
    } else this.#banner.clear('invalid_room')
    if (room === this.#session?.room) return
    this.#leaveRoom()
    if (!room) {
      this.#showRoom(undefined)
      this.#picker.focus()
      return
    }
    rememberRoom(room)
    this.#showRoom(room)
    this.#session = new RoomSession(
      room,
      user.username,
      {
        messages: this.#messages,
        members: this.#members,
        composer: this.#composer,
        status: this.#status,
        banner: this.#banner,
        userinfo: byTestId('userinfo'),
      },
      () => this.#sessionLost(),
    )
    this.#session.start()
    this.#composer.focus()
  }

  #leaveRoom(): void {
    this.#session?.close()
    this.#session = undefined
    this.#status.render(undefined)
    this.#composer.connected = false
  }

  #showRoom(room: string | undefined): void {
    document.body.dataset.room = room ?? ''
    document.title = room ? `#${room} · tschannels chat` : 'tschannels chat'
    byTestId('room-title').textContent = room ? `#${room}` : 'Welcome'
    byTestId('room-empty').hidden = room !== undefined
    this.#messages.visible = room !== undefined
    this.#members.visible = room !== undefined
    this.#composer.visible = room !== undefined
    this.#picker.render(recentRooms(), room)
  }

  #setView(view: View): void {
    document.body.dataset.view = view
    byTestId('loading').hidden = view !== 'loading'
    byTestId('login-view').hidden = view !== 'login'
    byTestId('chat-view').hidden = view !== 'chat'
    byTestId('session').hidden = view !== 'chat'
  }
}

void new App().boot()
