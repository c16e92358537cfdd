/**
 * The room form and the recent-rooms list. Joining only changes the URL
 * hash; the app reacts to `hashchange`, so typed names, links and Back all
 * take the same path.
 *
 * @module
 */

import { ROOM_PATTERN } from '../types.js'
import { byTestId, el } from './dom.js'

/** Joined when the form is submitted empty: the quickest way into a conversation. */
const DEFAULT_ROOM = 'lobby'

export class RoomPicker {
  readonly #form = byTestId<HTMLFormElement>('room-form')
  readonly #input = byTestId<HTMLInputElement>('room-input')
  readonly #recentNav = byTestId('recent-rooms-nav')
  readonly #recent = byTestId<HTMLUListElement>('recent-rooms')

  constructor(onPick: (room: string) => void, onInvalid: (text: string) => void) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault()
      const room = this.#input.value.trim() || DEFAULT_ROOM
      if (!ROOM_PATTERN.test(room)) {
        this.#input.setAttribute('aria-invalid', 'true')
        this.#input.focus()
        return onInvalid('Room names are 1–64 letters, digits, dashes or underscores.')
      }
      this.#input.removeAttribute('aria-invalid')
      this.#input.value = ''
      onPick(room)
    })
    this.#input.addEventListener('input', () => this.#input.removeAttribute('aria-invalid'))
  }

  /** Lists `rooms` as links, marking `current`. */
  render(rooms: readonly string[], current: string | undefined): void {
    this.#recentNav.hidden = rooms.length === 0
    this.#recent.replaceChildren(
      ...rooms.map((room) => {
        const link = el('a', { className: 'recent-room', text: `#${room}`, attrs: { href: `#${room}` } })
        if (room === current) link.setAttribute('aria-current', 'page')
        return el('li', {}, [link])
      }),
    )
  }

  focus(): void {
    this.#input.focus()
  }
}
