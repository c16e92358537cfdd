/**
 * Accounts and credentials: `POST /api/register`, `/api/token`,
 * `/api/token/refresh`, `/api/login`, `/api/logout`, `GET /api/me`.
 *
 * @module
 */

import {
  InvalidToken,
  TokenReuseDetected,
  TooManyLoginAttempts,
  UserExists,
  authenticate,
  createUser,
  login,
  logout,
} from 'tschannels'
import type { LoginAttempt, User } from 'tschannels'

import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN, canonicalUsername, characterCount } from '../rules.js'
import { ApiConsumer } from './api-consumer.js'

/**
 * `POST /api/register {"username", "password"}` → 201 `{"id", "username"}`,
 * the username in its canonical form (`canonicalUsername`: NFKC, lower case);
 * 400 `invalid`; 409 `taken`; 429 `rate_limited` (with `Retry-After`) past
 * the registrations allowed per address, counted before the password is
 * hashed, since each hash costs tens of milliseconds of CPU.
 */
export class RegisterApi extends ApiConsumer {
  static override methods = ['POST']

  protected override async respond(body: Uint8Array): Promise<void> {
    const input = await this.readObject(body)
    if (input === undefined) return
    const { password } = input
    const username = typeof input.username === 'string' ? canonicalUsername(input.username) : undefined
    if (username === undefined || !USERNAME_PATTERN.test(username)) {
      return this.error(
        400,
        'invalid',
        'The username must be 3-32 letters, digits, dots, dashes or underscores.',
      )
    }
    const length = typeof password === 'string' ? characterCount(password, PASSWORD_MAX) : 0
    if (typeof password !== 'string' || length < PASSWORD_MIN || length > PASSWORD_MAX) {
      return this.error(
        400,
        'invalid',
        `The password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters long.`,
      )
    }
    if ((await this.services.users.getByUsername(username)) !== null) return this.#taken()
    const wait = await this.#registrationWait()
    if (wait > 0) {
      return this.error(429, 'rate_limited', `Too many registrations; try again in ${wait} seconds.`, {
        'retry-after': String(wait),
      })
    }
    try {
      const user = await createUser(this.services.users, username, password, this.services.passwords)
      await this.json(201, { id: Number(user.id), username: user.username })
    } catch (error) {
      // Two registrations of one name at once: the store's unique key decides.
      if (error instanceof UserExists) return this.#taken()
      throw error
    }
  }

  #taken(): Promise<void> {
    return this.error(409, 'taken', 'That username is taken.')
  }

  /** Takes one registration from this address's allowance: 0 when it may go ahead, else the seconds to wait. */
  async #registrationWait(): Promise<number> {
    const { registrationsPerAddress: allowed, registrationWindow } = this.services.config.limits
    if (allowed === 0) return 0
    const bucket = { capacity: allowed, refillPerSecond: allowed / registrationWindow }
    const result = await this.services.limits.take(`chat:register:${this.address}`, bucket)
    return result.allowed ? 0 : Math.max(1, Math.ceil(result.retryAfterMs / 1000))
  }
}

/**
 * The password check shared by `/api/token` and `/api/login`: 429
 * `rate_limited` (with `Retry-After`) after repeated failures, 401
 * `bad_credentials` for a wrong or malformed pair. Answers the error itself
 * and returns `null` then.
 */
abstract class CredentialsApi extends ApiConsumer {
  static override methods = ['POST']

  protected async checkCredentials(body: Uint8Array): Promise<User | null> {
    const input = await this.readObject(body)
    if (input === undefined) return null
    const { password } = input
    if (typeof input.username !== 'string' || typeof password !== 'string' || input.username.length > 150) {
      await this.#badCredentials()
      return null
    }
    const username = canonicalUsername(input.username)
    // The attempt is counted before the password is checked, so parallel
    // guesses cannot all reach the (slow) hash before the first failure counts.
    let attempt: LoginAttempt
    try {
      attempt = await this.services.loginLimiter.attempt(username, this.address)
    } catch (error) {
      if (!(error instanceof TooManyLoginAttempts)) throw error
      const wait = error.retryAfter
      await this.error(429, 'rate_limited', `Too many failed attempts; try again in ${wait} seconds.`, {
        'retry-after': String(wait),
      })
      return null
    }
    const user =
      password.length > PASSWORD_MAX * 4
        ? null
        : await authenticate(this.services.users, username, password, this.services.passwords)
    if (user === null) {
      await attempt.failed()
      await this.#badCredentials()
      return null
    }
    await attempt.succeeded()
    return user
  }

  #badCredentials(): Promise<void> {
    return this.error(401, 'bad_credentials', 'Wrong username or password.')
  }
}

/** `POST /api/token {"username", "password"}` → 200 `{"access", "refresh"}`. */
export class TokenApi extends CredentialsApi {
  protected override async respond(body: Uint8Array): Promise<void> {
    const user = await this.checkCredentials(body)
    if (user === null) return
    const { access, refresh } = await this.services.tokens.issue(user)
    await this.json(200, { access, refresh })
  }
}

/** `POST /api/token/refresh {"refresh"}` → 200 a new pair; 401 for a bad, expired or reused token. */
export class RefreshApi extends ApiConsumer {
  static override methods = ['POST']

  protected override async respond(body: Uint8Array): Promise<void> {
    const input = await this.readObject(body)
    if (input === undefined) return
    if (typeof input.refresh !== 'string' || input.refresh.length > 8192) {
      return this.error(401, 'invalid_token', 'The refresh token is not valid.')
    }
    try {
      const { access, refresh } = await this.services.tokens.refresh(input.refresh)
      await this.json(200, { access, refresh })
    } catch (error) {
      if (error instanceof TokenReuseDetected) {
        return this.error(401, 'token_reused', 'The refresh token was already used; log in again.')
      }
      if (error instanceof InvalidToken)
        return this.error(401, 'invalid_token', 'The refresh token is not valid.')
      throw error
    }
  }
}

/** `POST /api/login {"username", "password"}` → 200 `{"username"}` and the `sessionid` cookie. */
export class LoginApi extends CredentialsApi {
  protected override async respond(body: Uint8Array): Promise<void> {
    const user = await this.checkCredentials(body)
    if (user === null) return
    // Moves the session to a new key; the session middleware saves it and sets the cookie.
    await login(this.scope, user)
    await this.json(200, { username: user.username })
  }
}

/** `POST /api/logout` → 204; ends the session (and revokes a `{"refresh"}` token if one is sent). */
export class LogoutApi extends ApiConsumer {
  static override methods = ['POST']

  protected override async respond(body: Uint8Array): Promise<void> {
    if (this.scope.session !== undefined) await logout(this.scope)
    const refresh = parseRefresh(body)
    if (refresh !== undefined) await this.services.tokens.revoke(refresh).catch(() => undefined)
    await this.sendResponse(204, '', { headers: { 'cache-control': 'no-store' } })
  }
}

/** `GET /api/me` → 200 `{"username"}` with a session cookie or a Bearer access token; 401 otherwise. */
export class MeApi extends ApiConsumer {
  protected override async respond(): Promise<void> {
    const user = await this.user()
    if (user === null)
      return this.error(401, 'unauthorized', 'Log in, or send Authorization: Bearer <access>.')
    await this.json(200, { username: user.username })
  }
}

function parseRefresh(body: Uint8Array): string | undefined {
  if (body.byteLength === 0) return undefined
  try {
    const value = JSON.parse(Buffer.from(body).toString('utf8')) as { refresh?: unknown }
    return typeof value?.refresh === 'string' ? value.refresh : undefined
  } catch {
    return undefined
  }
}
