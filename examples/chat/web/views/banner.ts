/**
 * The error banner under the top bar: one message at a time, the newest wins.
 * Transient errors (a rejected message, a rate-limit warning) clear
 * themselves; the ones that need action stay until dismissed or replaced.
 *
 * @module
 */

import { byTestId, query } from './dom.js'

const TRANSIENT_MS = 8000

export class Banner {
  readonly #root = byTestId('error-banner')
  readonly #text = query('.banner-text', this.#root)
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    byTestId('error-dismiss').addEventListener('click', () => this.hide())
  }

  /** Shows `text`; `code` goes to `data-code` so tests can tell errors apart. */
  show(text: string, options: { code?: string; transient?: boolean; tone?: 'error' | 'info' } = {}): void {
    clearTimeout(this.#timer)
    this.#text.textContent = text
    this.#root.dataset.code = options.code ?? ''
    this.#root.dataset.tone = options.tone ?? 'error'
    this.#root.hidden = false
    if (options.transient) this.#timer = setTimeout(() => this.hide(), TRANSIENT_MS)
  }

  hide(): void {
    clearTimeout(this.#timer)
    this.#root.hidden = true
    this.#text.textContent = ''
    this.#root.dataset.code = ''
  }

  /** Hides the banner only if it still shows the error with this code. */
  clear(code: string): void {
    if (this.#root.dataset.code === code) this.hide()
  }
}
