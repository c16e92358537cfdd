/**
 * `ScryptHasher`: Django's `ScryptPasswordHasher` format,
 * `scrypt$<N>$<salt>$<r>$<p>$<base64 hash>`, memory-hard.
 *
 * @module
 */

import { scrypt, timingSafeEqual } from 'node:crypto'
import type { ScryptOptions } from 'node:crypto'

import { ImproperlyConfigured } from '../../errors.js'
import type { PasswordHasher } from './hasher.js'
import { randomSalt } from './salt.js'

/** Options of `ScryptHasher`; the defaults are Django's. */
export interface ScryptHasherOptions {
  /** CPU/memory cost `N`, a power of two. @default 16384 */
  workFactor?: number
  /** Block size `r`. @default 8 */
  blockSize?: number
  /** Parallelism `p`. @default 5 */
  parallelism?: number
}

const MAXMEM = 64 * 1024 * 1024

/**
 * scrypt with a 64-byte key, compatible with Django's
 * `ScryptPasswordHasher`.
 *
 * @example
 * ```ts
 * const encoded = await new ScryptHasher().encode('correct horse battery staple')
 * ```
 */
export class ScryptHasher implements PasswordHasher {
  readonly algorithm = 'scrypt'
  readonly #n: number
  readonly #r: number
  readonly #p: number

  constructor(options: ScryptHasherOptions = {}) {
    this.#n = options.workFactor ?? 16384
    this.#r = options.blockSize ?? 8
    this.#p = options.parallelism ?? 5
    if (!validParameters(this.#n, this.#r, this.#p)) {
      throw new ImproperlyConfigured(
        `ScryptHasher needs a power-of-two workFactor of at least 2, positive blockSize and parallelism, ` +
          `within 64 MB of memory.`,
      )
    }
  }

  async encode(password: string, salt = randomSalt()): Promise<string> {
    if (salt.includes('$')) throw new ImproperlyConfigured(`A password salt may not contain '$'.`)
    const hash = await derive(password, salt, 64, { N: this.#n, r: this.#r, p: this.#p, maxmem: MAXMEM })
    return `scrypt$${this.#n}$${salt}$${this.#r}$${this.#p}$${hash.toString('base64')}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = parse(encoded)
    if (parts === null) return false
    const expected = Buffer.from(parts.hash, 'base64')
    if (expected.length === 0) return false
    const actual = await derive(password, parts.salt, expected.length, {
      N: parts.n,
      r: parts.r,
      p: parts.p,
      maxmem: MAXMEM,
    })
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }

  mustUpdate(encoded: string): boolean {
    const parts = parse(encoded)
    return parts === null || parts.n !== this.#n || parts.r !== this.#r || parts.p !== this.#p
  }
}

function derive(password: string, salt: string, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

function validParameters(n: number, r: number, p: number): boolean {
  return (
    Number.isInteger(n) &&
    n >= 2 &&
    (n & (n - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 64 &&
    128 * n * r <= MAXMEM
  )
}

function parse(encoded: string): { n: number; salt: string; r: number; p: number; hash: string } | null {
  const [algorithm, n, salt, r, p, hash, ...rest] = encoded.split('$')
  if (algorithm !== 'scrypt' || rest.length > 0 || salt === undefined || !hash) return null
  const parsed = { n: Number(n), salt, r: Number(r), p: Number(p), hash }
  return validParameters(parsed.n, parsed.r, parsed.p) ? parsed : null
}
