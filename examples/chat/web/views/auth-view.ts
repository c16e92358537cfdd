/**
 * The login view: one form, two submit buttons. "Log in" posts to
 * `/api/login`; "Create account" registers and then logs in, so a newcomer
 * needs a single click.
 *
 * @module
 */

import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '../types.js'
import { byTestId } from './dom.js'

export type AuthMode = 'login' | 'register'

export type AuthHandler = (mode: AuthMode, username: string, password: string) => Promise<void>

export class AuthView {
  readonly #form = byTestId<HTMLFormElement>('login-form')
  readonly #username = byTestId<HTMLInputElement>('login-username')
  readonly #password = byTestId<HTMLInputElement>('login-password')
  readonly #error = byTestId('login-error')
  readonly #buttons = [
    byTestId<HTMLButtonElement>('login-submit'),
    byTestId<HTMLButtonElement>('register-submit'),
  ]

  constructor(onSubmit: AuthHandler) {
    this.#form.addEventListener('submit', (event: SubmitEvent) => {
      event.preventDefault()
      // Enter in a field submits with no submitter: that means "Log in".
      const mode: AuthMode = event.submitter?.getAttribute('value') === 'register' ? 'register' : 'login'
      void this.#submit(mode, onSubmit)
    })
    for (const input of [this.#username, this.#password]) {
      input.addEventListener('input', () => input.removeAttribute('aria-invalid'))
    }
  }

  /** Shows the view; `notice` explains why the user is here (e.g. an expired session). */
  show(notice?: string): void {
    this.#password.value = ''
    this.#setBusy(false)
    if (notice) this.showError(notice)
    else this.#error.hidden = true
    ;(this.#username.value ? this.#password : this.#username).focus()
  }

  showError(text: string): void {
    this.#error.textContent = text
    this.#error.hidden = false
  }

  async #submit(mode: AuthMode, onSubmit: AuthHandler): Promise<void> {
    const username = this.#username.value.trim()
    const password = this.#password.value
    const problem = validate(mode, username, password)
    if (problem) {
      const field = problem.field === 'username' ? this.#username : this.#password
      field.setAttribute('aria-invalid', 'true')
      field.focus()
      this.showError(problem.text)
      return
    }
    this.#error.hidden = true
    this.#setBusy(true)
    try {
      await onSubmit(mode, username, password)
    } finally {
      this.#setBusy(false)
    }
  }

  #setBusy(busy: boolean): void {
    this.#form.setAttribute('aria-busy', String(busy))
    for (const button of this.#buttons) button.disabled = busy
  }
}

/** Client-side checks mirror the server's rules, so most mistakes never make a round trip. */
function validate(
  mode: AuthMode,
  username: string,
  password: string,
): { field: 'username' | 'password'; text: string } | undefined {
  if (username === '') return { field: 'username', text: 'Enter a username.' }
  if (password === '') return { field: 'password', text: 'Enter a password.' }
  if (mode === 'login') return undefined
  if (!USERNAME_PATTERN.test(username)) {
    return { field: 'username', text: 'Usernames are 3–32 letters, digits, dots, dashes or underscores.' }
  }
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return { field: 'password', text: `Passwords are ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.` }
  }
  return undefined
}
