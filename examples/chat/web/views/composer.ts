/**
 * The message box. Enter sends and Shift+Enter adds a line, as in most chat
 * apps. Typing stays possible while disconnected so nothing is lost; only
 * sending waits for the connection.
 *
 * @module
 */

import { TEXT_MAX } from '../types.js'
import { byTestId } from './dom.js'

/** Returns false when the text could not be sent; the composer then keeps it. */
export type SendHandler = (text: string) => boolean

/** The box grows with its content up to this many pixels, then scrolls. */
const MAX_HEIGHT_PX = 160

export class Composer {
  readonly #form = byTestId<HTMLFormElement>('composer')
  readonly #input = byTestId<HTMLTextAreaElement>('message-input')
  readonly #send = byTestId<HTMLButtonElement>('send-button')
  #connected = false

  constructor(onSend: SendHandler, onInvalid: (text: string) => void) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault()
      const text = this.#input.value.trim()
      if (text === '') return
      if (text.length > TEXT_MAX) return onInvalid(`Messages can be at most ${TEXT_MAX} characters long.`)
      if (!onSend(text)) return
      this.#input.value = ''
      this.#resize()
      this.#input.focus()
    })
    this.#input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault()
        this.#form.requestSubmit()
      }
    })
    this.#input.addEventListener('input', () => {
      this.#resize()
      this.#update()
    })
  }

  set visible(visible: boolean) {
    this.#form.hidden = !visible
  }

  /** Enables sending; called on every connection state change. */
  set connected(connected: boolean) {
    this.#connected = connected
    this.#update()
  }

  setRoom(room: string): void {
    this.#input.placeholder = `Message #${room}`
  }

  focus(): void {
    this.#input.focus()
  }

  #update(): void {
    this.#send.disabled = !this.#connected || this.#input.value.trim() === ''
    this.#send.title = this.#connected ? '' : 'Waiting for the connection'
  }

  #resize(): void {
    this.#input.style.height = 'auto'
    this.#input.style.height = `${Math.min(this.#input.scrollHeight, MAX_HEIGHT_PX)}px`
  }
}
