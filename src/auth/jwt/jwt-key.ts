/**
 * Key and algorithm checks shared by JWT verification and issuing: the
 * algorithm allow-list must fit the key, which is what stops `alg: none`
 * and HS/RS confusion.
 *
 * Not an entry point: `JwtKey` is exported from `tschannels/jwt`.
 *
 * @module
 */

import { KeyObject } from 'node:crypto'

import type { CryptoKey, JWTVerifyGetKey, KeyObject as JoseKeyObject } from 'jose'

import { ImproperlyConfigured } from '../../errors.js'

/** A verification key: an HMAC secret (string or bytes), a `KeyObject`/`CryptoKey`, or a JWKS resolver. */
export type JwtKey = string | Uint8Array | KeyObject | CryptoKey | JWTVerifyGetKey

/** The algorithms tschannels accepts at all. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** @internal */
export interface CheckedKey {
  key: Uint8Array | JoseKeyObject | CryptoKey | JWTVerifyGetKey
  algorithms: string[]
}

/**
 * Turns the user's key into what jose takes, and checks that `algorithms`
 * fit it: a secret allows only HS*, a public key or key set only
 * asymmetric algorithms, never `none`.
 * @internal
 */
export function checkKey(key: JwtKey, algorithms: readonly string[] | undefined, what: string): CheckedKey {
  const kind = keyKind(key, what)
  const algs = [...(algorithms ?? (kind === 'secret' ? ['HS256'] : []))]
  if (algs.length === 0) {
    throw new ImproperlyConfigured(
      `${what} needs { algorithms } for a public key or key set, such as ['RS256'].`,
    )
  }
  for (const alg of algs) {
    if (alg.toLowerCase() === 'none') {
      throw new ImproperlyConfigured(`${what} never accepts alg 'none': unsigned tokens prove nothing.`)
    }
    const hmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg)
    if (!hmac && !ASYMMETRIC_ALGORITHMS.includes(alg)) {
      throw new ImproperlyConfigured(`${what} does not know the algorithm '${alg}'.`)
    }
    // The classic confusion: an RS public key used as an HS secret lets anyone sign.
    if (hmac !== (kind === 'secret')) {
      throw new ImproperlyConfigured(
        `${what}: algorithm '${alg}' does not fit a ${kind} key; use HS* with a secret and RS/PS/ES/EdDSA with a public key.`,
      )
    }
  }
  if (typeof key === 'string') return { key: new TextEncoder().encode(key), algorithms: algs }
  return { key: key, algorithms: algs }
}

function keyKind(key: JwtKey, what: string): 'secret' | 'public' | 'private' {
  if (typeof key === 'string' || key instanceof Uint8Array) {
    const length = typeof key === 'string' ? Buffer.byteLength(key) : key.byteLength
    if (length < 32) {
      throw new ImproperlyConfigured(`${what}: an HMAC secret must be at least 32 bytes (it is ${length}).`)
    }
    return 'secret'
  }
  if (typeof key === 'function') return 'public'
  if (key instanceof KeyObject) return key.type
  if (typeof key === 'object' && key !== null && 'type' in key && typeof key.type === 'string') {
    return key.type
  }
  throw new ImproperlyConfigured(
    `${what} needs a key: a secret, a KeyObject, a CryptoKey or a JWKS resolver.`,
  )
}
