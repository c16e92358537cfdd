/**
 * `createJwtVerifier`: checks a JWT with `jose` and turns it into a user.
 *
 * @module
 */

import type * as Jose from 'jose'
import type { JWTPayload } from 'jose'

import { ImproperlyConfigured, InvalidToken } from '../../errors.js'
import { importPeer } from '../../util/optional-peer.js'
import type { TokenUser, AuthenticatedUser } from '../user.js'
import type { UserStore } from '../user-store.js'
import { checkKey } from './jwt-key.js'
import type { JwtKey } from './jwt-key.js'

const { errors, jwtVerify } = await importPeer<typeof Jose>('jose', 'tschannels/jwt')

/** How JWTs are verified. */
export interface JwtVerifyOptions {
  /**
   * The HMAC secret (string or bytes, at least 32 bytes), a public
   * `KeyObject`/`CryptoKey`, or a JWKS resolver from `createRemoteJWKSet`.
   */
  key: JwtKey
  /** Allowed algorithms; they must fit the key. @default ['HS256'] for a secret (required otherwise) */
  algorithms?: readonly string[]
  /** Required `iss`. @default undefined (not checked) */
  issuer?: string | string[]
  /** Required `aud`. @default undefined (not checked) */
  audience?: string | string[]
  /** Clock skew allowed on `exp`/`nbf`/`iat`, in seconds. @default 5 */
  clockTolerance?: number
  /** Claims that must be present. @default ['exp'] (a token without expiry is refused) */
  requiredClaims?: readonly string[]
  /** The claim holding the user id; SimpleJWT uses `user_id`. @default 'sub' */
  userIdClaim?: string
  /**
   * A token whose `token_type` claim is present must have this value, so a
   * refresh token is never accepted as an access token.
   * @default 'access'
   */
  tokenType?: string
  /** Look the user up here (and refuse unknown or inactive users); without it, the claims make a `TokenUser`. @default undefined */
  users?: UserStore
}

/** Verifies a token and returns its user; throws `InvalidToken` with a one-word `reason`. */
export type JwtVerifier = (token: string) => Promise<AuthenticatedUser>

/**
 * Builds a verifier, checking the options once: the algorithm list must fit
 * the key (no `none`, no HS with a public key or RS with a secret). Error
 * messages name what was wrong, never the token.
 *
 * @example
 * ```ts
 * const verify = createJwtVerifier({ key: process.env.JWT_SECRET!, issuer: 'https://auth.example.com' })
 * const user = await verify(token)
 * ```
 */
export function createJwtVerifier(options: JwtVerifyOptions): JwtVerifier {
  const { key, algorithms } = checkKey(options.key, options.algorithms, 'JWT verification')
  const clockTolerance = options.clockTolerance ?? 5
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new ImproperlyConfigured('JWT clockTolerance must be a number of seconds, 0 or more.')
  }
  const userIdClaim = options.userIdClaim ?? 'sub'
  const tokenType = options.tokenType ?? 'access'
  const verifyOptions = {
    algorithms,
    clockTolerance,
    requiredClaims: [...(options.requiredClaims ?? ['exp'])],
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  }

  return async function verifyJwt(token: string): Promise<AuthenticatedUser> {
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key as Uint8Array, verifyOptions))
    } catch (error) {
      throw toInvalidToken(error)
    }
    if (payload.token_type !== undefined && payload.token_type !== tokenType) {
      throw new InvalidToken(`The token is not an ${tokenType} token.`, 'invalid')
    }
    const id = payload[userIdClaim]
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
      throw new InvalidToken(`The token has no '${userIdClaim}' claim.`, 'malformed')
    }
    if (options.users === undefined) return tokenUser(String(id), payload)
    const user = await options.users.getById(String(id))
    if (user === null) throw new InvalidToken("The token's user does not exist.", 'unknown-user')
    if (!user.isActive) throw new InvalidToken("The token's user is inactive.", 'inactive-user')
    return user
  }
}

function tokenUser(id: string, claims: JWTPayload): TokenUser {
  const username = typeof claims.username === 'string' ? claims.username : ''
  return Object.freeze({
    id,
    username,
    isActive: true,
    isAuthenticated: true as const,
    isAnonymous: false as const,
    claims: Object.freeze({ ...claims }),
  })
}

/** Maps jose's errors to a reason; the messages are ours, so no token or claim value leaks. */
function toInvalidToken(error: unknown): InvalidToken {
  if (error instanceof errors.JWTExpired) return new InvalidToken('The token has expired.', 'expired')
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new InvalidToken('The token is not valid yet.', 'not-yet-valid')
    return new InvalidToken(`The token's '${error.claim}' claim is not accepted.`, 'invalid')
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidToken('The token signature does not verify.', 'invalid')
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidToken("The token's algorithm is not allowed.", 'invalid')
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new InvalidToken('The token is malformed.', 'malformed')
  }
  if (error instanceof errors.JOSEError)
    return new InvalidToken('The token could not be verified.', 'invalid')
  // jose throws TypeError for a key that does not fit the token's algorithm.
  return new InvalidToken('The token could not be verified.', 'invalid')
}
