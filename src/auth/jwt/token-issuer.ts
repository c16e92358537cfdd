/**
 * `TokenIssuer`: issues access + refresh JWT pairs and rotates refresh
 * tokens with reuse detection.
 *
 * @module
 */

import { createPublicKey, KeyObject, randomUUID } from 'node:crypto'

import type * as Jose from 'jose'
import type { CryptoKey, JWTPayload } from 'jose'

import { ImproperlyConfigured, InvalidToken, TokenReuseDetected } from '../../errors.js'
import { importPeer } from '../../util/optional-peer.js'
import type { UserStore } from '../user-store.js'
import { checkKey } from './jwt-key.js'
import type { JwtKey } from './jwt-key.js'
import type { JwtVerifyOptions } from './jwt-verifier.js'
import { InMemoryRefreshTokenStore } from './refresh-token-store.js'
import type { RefreshTokenStore } from './refresh-token-store.js'

const { SignJWT, errors, jwtVerify } = await importPeer<typeof Jose>('jose', 'tschannels/jwt')

/** Options of `TokenIssuer`. */
export interface TokenIssuerOptions {
  /** The signing key: an HMAC secret (at least 32 bytes) or a private `KeyObject`/`CryptoKey`. */
  key: string | Uint8Array | KeyObject | CryptoKey
  /** The key that verifies; derived from a private `KeyObject`, the secret itself for HMAC. @default derived from `key` */
  verifyKey?: JwtKey
  /** The signing algorithm. @default 'HS256' */
  algorithm?: string
  /** The `iss` claim. @default undefined */
  issuer?: string
  /** The `aud` claim. @default undefined */
  audience?: string
  /** Access-token lifetime in seconds. @default 300 */
  accessTtl?: number
  /** Refresh-token lifetime in seconds. @default 86400 */
  refreshTtl?: number
  /** Records used refresh tokens. @default new InMemoryRefreshTokenStore() */
  refreshStore?: RefreshTokenStore
  /** When given, a refresh for a deleted or inactive user is refused. @default undefined */
  users?: UserStore
  /** Clock skew allowed when verifying, in seconds. @default 5 */
  clockTolerance?: number
}

/** An access token and the refresh token that renews it. */
export interface TokenPair {
  access: string
  refresh: string
  accessExpiresAt: Date
  refreshExpiresAt: Date
}

/**
 * Issues short-lived access tokens and longer-lived refresh tokens. Each
 * refresh returns a new pair and spends the old refresh token; presenting a
 * spent one again means it was copied, so its whole family (every token
 * descended from the same login) is revoked and `TokenReuseDetected` is
 * thrown. `verifyOptions` feeds `JwtAuthMiddleware` so both sides agree.
 *
 * @example
 * ```ts
 * const issuer = new TokenIssuer({ key: process.env.JWT_SECRET!, issuer: 'chat' })
 * const { access, refresh } = await issuer.issue(user)
 * const app = JwtAuthMiddleware(router, { ...issuer.verifyOptions, users })
 * const renewed = await issuer.refresh(refresh)
 * ```
 */
export class TokenIssuer {
  readonly #signKey: Uint8Array | KeyObject | CryptoKey
  readonly #algorithm: string
  readonly #options: TokenIssuerOptions
  readonly #store: RefreshTokenStore
  readonly #accessTtl: number
  readonly #refreshTtl: number
  /** Options for `JwtAuthMiddleware` / `createJwtVerifier` that accept this issuer's access tokens. */
  readonly verifyOptions: JwtVerifyOptions

  constructor(options: TokenIssuerOptions) {
    this.#options = options
    this.#algorithm = options.algorithm ?? 'HS256'
    this.#accessTtl = options.accessTtl ?? 300
    this.#refreshTtl = options.refreshTtl ?? 86_400
    for (const [name, value] of Object.entries({
      accessTtl: this.#accessTtl,
      refreshTtl: this.#refreshTtl,
    })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new ImproperlyConfigured(`TokenIssuer ${name} must be a positive whole number of seconds.`)
      }
    }
    const verifyKey = options.verifyKey ?? publicOf(options.key)
    checkKey(verifyKey, [this.#algorithm], 'TokenIssuer')
    this.#signKey = typeof options.key === 'string' ? new TextEncoder().encode(options.key) : options.key
    this.#store = options.refreshStore ?? new InMemoryRefreshTokenStore()
    this.verifyOptions = Object.freeze({
      key: verifyKey,
      algorithms: [this.#algorithm],
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
    })
  }

  /** Issues a new pair for `user`, starting a new refresh-token family. */
  async issue(user: { id: string; username?: string }, claims: JWTPayload = {}): Promise<TokenPair> {
    return this.#pair(user.id, user.username, randomUUID(), claims)
  }

  /**
   * Spends `refreshToken` and returns a new pair of the same family. Throws
   * `InvalidToken` for a bad, expired or revoked token and
   * `TokenReuseDetected` for one already spent.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const payload = await this.#verifyRefresh(refreshToken)
    const { jti, fam, sub } = payload as { jti: string; fam: string; sub: string }
    const expiresAt = new Date((payload.exp ?? 0) * 1000)
    if (!(await this.#store.use(jti, fam, expiresAt))) {
      if (await this.#store.isRevoked(fam))
        throw new InvalidToken('The refresh token was revoked.', 'revoked')
      await this.#store.revokeFamily(fam, new Date(Date.now() + this.#refreshTtl * 1000))
      throw new TokenReuseDetected()
    }
    let username = typeof payload.username === 'string' ? payload.username : undefined
    if (this.#options.users !== undefined) {
      const user = await this.#options.users.getById(sub)
      if (user === null) throw new InvalidToken("The token's user does not exist.", 'unknown-user')
      if (!user.isActive) throw new InvalidToken("The token's user is inactive.", 'inactive-user')
      username = user.username
    }
    return this.#pair(sub, username, fam, {})
  }

  /** Revokes the family of `refreshToken` (logout): no token of it refreshes again. */
  async revoke(refreshToken: string): Promise<void> {
    const payload = await this.#verifyRefresh(refreshToken)
    await this.#store.revokeFamily(String(payload.fam), new Date(Date.now() + this.#refreshTtl * 1000))
  }

  async #pair(
    sub: string,
    username: string | undefined,
    family: string,
    claims: JWTPayload,
  ): Promise<TokenPair> {
    const now = Math.floor(Date.now() / 1000)
    const accessExp = now + this.#accessTtl
    const refreshExp = now + this.#refreshTtl
    const common = username !== undefined ? { username } : {}
    const access = await this.#sign({ ...claims, ...common, token_type: 'access' }, sub, now, accessExp)
    const refresh = await this.#sign({ ...common, token_type: 'refresh', fam: family }, sub, now, refreshExp)
    return {
      access,
      refresh,
      accessExpiresAt: new Date(accessExp * 1000),
      refreshExpiresAt: new Date(refreshExp * 1000),
    }
  }

  async #sign(claims: JWTPayload, sub: string, iat: number, exp: number): Promise<string> {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: this.#algorithm, typ: 'JWT' })
      .setSubject(sub)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
    if (this.#options.issuer !== undefined) jwt = jwt.setIssuer(this.#options.issuer)
    if (this.#options.audience !== undefined) jwt = jwt.setAudience(this.#options.audience)
    return jwt.sign(this.#signKey)
  }

  async #verifyRefresh(token: string): Promise<JWTPayload> {
    const { key, algorithms } = checkKey(this.verifyOptions.key, [this.#algorithm], 'TokenIssuer')
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        clockTolerance: this.#options.clockTolerance ?? 5,
        requiredClaims: ['exp', 'jti', 'sub'],
        ...(this.#options.issuer !== undefined ? { issuer: this.#options.issuer } : {}),
        ...(this.#options.audience !== undefined ? { audience: this.#options.audience } : {}),
      }))
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new InvalidToken('The refresh token has expired.', 'expired')
      throw new InvalidToken('The refresh token is not valid.', 'invalid')
    }
    if (payload.token_type !== 'refresh' || typeof payload.fam !== 'string') {
      throw new InvalidToken('The token is not a refresh token.', 'invalid')
    }
    return payload
  }
}

function publicOf(key: TokenIssuerOptions['key']): JwtKey {
  if (key instanceof KeyObject && key.type === 'private') return createPublicKey(key)
  if (
    typeof key === 'object' &&
    !(key instanceof Uint8Array) &&
    !(key instanceof KeyObject) &&
    key.type === 'private'
  ) {
    throw new ImproperlyConfigured(
      'TokenIssuer with a private CryptoKey needs { verifyKey }: the public key.',
    )
  }
  return key
}
