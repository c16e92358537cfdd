/**
 * The connection status pill in the top bar, with a countdown while a
 * reconnect is scheduled and a "Reconnect now" button whenever the user can
 * usefully skip the wait.
 *
 * @module
 */

import type { ConnectionState, WaitReason } from '../room-client.js'
import { byTestId, query } from './dom.js'

// Short enough for the phone layout; the error banner carries the long explanations.
const WAIT_TEXT: Record<WaitReason, string> = {
  dropped: 'Reconnecting',
  unreachable: 'Server unreachable, retrying',
  refused: 'Connection refused, retrying',
  rate_limited: 'Paused for flooding, retrying',
}

export class StatusView {
  readonly #root = byTestId('connection-status')
  readonly #text = query('.status-text', this.#root)
  readonly #countdown = query('.status-countdown', this.#root)
  readonly #retry = byTestId<HTMLButtonElement>('reconnect-button')
  #ticker: ReturnType<typeof setInterval> | undefined

  constructor(onRetry: () => void) {
    this.#retry.addEventListener('click', onRetry)
  }

  /** `undefined` means no room is open. */
  render(state: ConnectionState | undefined): void {
    clearInterval(this.#ticker)
    this.#ticker = undefined
    this.#countdown.textContent = ''
    this.#root.dataset.state = state?.state ?? 'idle'
    this.#retry.hidden = !(state?.state === 'waiting' || state?.state === 'stopped')
    switch (state?.state) {
      case undefined:
      case 'closed':
        this.#root.dataset.state = 'idle'
        return this.#set('Not in a room')
      case 'connecting':
        return this.#set(state.attempt === 0 ? 'Connecting…' : 'Reconnecting…')
      case 'open':
        return this.#set('Connected')
      case 'waiting': {
        this.#set(WAIT_TEXT[state.reason])
        // The countdown is aria-hidden: a live region that changes every second would be read out every second.
        const tick = (): void => {
          const seconds = Math.max(0, Math.ceil((state.until - Date.now()) / 1000))
          this.#countdown.textContent = `in ${seconds}s`
        }
        tick()
        this.#ticker = setInterval(tick, 1000)
        return
      }
      case 'stopped':
        return this.#set(state.reason === 'unauthorized' ? 'Signed out' : 'Disconnected')
    }
  }

  #set(text: string): void {
    // Only write when the words change, so the live region is not re-announced for nothing.
    if (this.#text.textContent !== text) this.#text.textContent = text
  }
}
