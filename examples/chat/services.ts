/**
 * The objects every consumer of the chat shares, handed to each one through
 * `asApp({ services })`.
 *
 * @module
 */

import type {
  ConnectionSlotStore,
  LoginAttemptLimiter,
  PasswordOptions,
  RateLimitStore,
  UserStore,
} from 'tschannels'
import type { TokenIssuer } from 'tschannels/jwt'

import type { ChatConfig } from './config.js'
import type { ChatStore } from './store/chat-store.js'

/** The chat's shared services. */
export interface ChatServices {
  readonly config: ChatConfig
  readonly store: ChatStore
  readonly users: UserStore
  /** Issues and refreshes the JWTs (HS256, key derived from `SECRET_KEY`). */
  readonly tokens: TokenIssuer
  /** The password hashers: scrypt for new hashes, PBKDF2 also read. */
  readonly passwords: PasswordOptions
  /** Counts failed logins per (address, username) and per address; 429 after too many. */
  readonly loginLimiter: LoginAttemptLimiter
  /** Where the login and registration limits are counted: in memory, or in Redis with `REDIS_URL`. */
  readonly limits: RateLimitStore
  /** Where open sockets are counted for the connection caps: in memory, or in Redis with `REDIS_URL`. */
  readonly slots: ConnectionSlotStore
}
