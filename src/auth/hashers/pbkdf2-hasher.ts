/**
 * `Pbkdf2Sha256Hasher` and `Pbkdf2Sha1Hasher`: Django's default password
 * hash, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, and its SHA-1
 * sibling, read and written byte for byte, so users of an existing Django
 * site can log in.
 *
 * @module
 */

import { pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

import { ImproperlyConfigured } from '../../errors.js'
import type { PasswordHasher } from './hasher.js'
import { randomSalt } from './salt.js'

const derive = promisify(pbkdf2)

/** Options of `Pbkdf2Sha256Hasher` and `Pbkdf2Sha1Hasher`. */
export interface Pbkdf2HasherOptions {
  /**
   * Iterations for new hashes; Django 4.2 uses 600,000, Django 5.2
   * 1,000,000. For tests, `1` makes hashing instant.
   * @default 1000000
   */
  iterations?: number
}

// A ceiling on the work a stored hash can ask for: a tampered row must not
// turn one login into minutes of CPU.
const MAX_ITERATIONS = 100_000_000

/** The PBKDF2 hashers differ only in their digest. */
abstract class Pbkdf2Hasher implements PasswordHasher {
  abstract readonly algorithm: string
  protected abstract readonly digest: 'sha256' | 'sha1'
  protected abstract readonly keyLength: number
  readonly #iterations: number

  constructor(options: Pbkdf2HasherOptions = {}) {
    this.#iterations = options.iterations ?? 1_000_000
    if (!Number.isInteger(this.#iterations) || this.#iterations < 1 || this.#iterations > MAX_ITERATIONS) {
      throw new ImproperlyConfigured(`PBKDF2 iterations must be an integer from 1 to ${MAX_ITERATIONS}.`)
    }
  }

  async encode(password: string, salt = randomSalt()): Promise<string> {
    if (salt.includes('$')) throw new ImproperlyConfigured(`A password salt may not contain '$'.`)
    const hash = await derive(password, salt, this.#iterations, this.keyLength, this.digest)
    return `${this.algorithm}$${this.#iterations}$${salt}$${hash.toString('base64')}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.#parse(encoded)
    if (parts === null) return false
    const expected = Buffer.from(parts.hash, 'base64')
    if (expected.length === 0) return false
    const actual = await derive(password, parts.salt, parts.iterations, expected.length, this.digest)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }

  mustUpdate(encoded: string): boolean {
    const parts = this.#parse(encoded)
    return parts === null || parts.iterations < this.#iterations
  }

  #parse(encoded: string): { iterations: number; salt: string; hash: string } | null {
    const [algorithm, iterations, salt, hash, ...rest] = encoded.split('$')
    if (algorithm !== this.algorithm || rest.length > 0 || salt === undefined || !hash) return null
    const count = Number(iterations)
    if (!/^\d+$/.test(iterations ?? '') || count < 1 || count > MAX_ITERATIONS) return null
    return { iterations: count, salt, hash }
  }
}

/**
 * PBKDF2-HMAC-SHA256 with a 32-byte key, as Django's
 * `PBKDF2PasswordHasher`. Verifies any iteration count found in a hash and
 * reports hashes below `iterations` through `mustUpdate()`.
 *
 * @example
 * ```ts
 * const hasher = new Pbkdf2Sha256Hasher()
 * const encoded = await hasher.encode('correct horse battery staple')
 * await hasher.verify('correct horse battery staple', encoded) // true
 * ```
 */
export class Pbkdf2Sha256Hasher extends Pbkdf2Hasher {
  readonly algorithm = 'pbkdf2_sha256'
  protected readonly digest = 'sha256'
  protected readonly keyLength = 32
}

/**
 * PBKDF2-HMAC-SHA1 with a 20-byte key, as Django's
 * `PBKDF2SHA1PasswordHasher` (`pbkdf2_sha1$…`), for sites that still list it.
 *
 * @example
 * ```ts
 * declare const password: string, passwordHash: string
 * const hashers = [new Pbkdf2Sha256Hasher(), new Pbkdf2Sha1Hasher()]
 * await verifyPassword(password, passwordHash, { hashers })
 * ```
 */
export class Pbkdf2Sha1Hasher extends Pbkdf2Hasher {
  readonly algorithm = 'pbkdf2_sha1'
  protected readonly digest = 'sha1'
  protected readonly keyLength = 20
}
