/**
 * `Pbkdf2Sha256Hasher`: Django's default password hash,
 * `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, read and written
 * byte for byte, so users of an existing Django site can log in.
 *
 * @module
 */

import { pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

import { ImproperlyConfigured } from '../../errors.js'
import type { PasswordHasher } from './password-hasher.js'
import { randomSalt } from './salt.js'

const derive = promisify(pbkdf2)

/** Options of `Pbkdf2Sha256Hasher`. */
export interface Pbkdf2HasherOptions {
  /** Iterations for new hashes; Django 5.2 uses 1,000,000. @default 1000000 */
  iterations?: number
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
export class Pbkdf2Sha256Hasher implements PasswordHasher {
  readonly algorithm = 'pbkdf2_sha256'
  readonly #iterations: number

  constructor(options: Pbkdf2HasherOptions = {}) {
    this.#iterations = options.iterations ?? 1_000_000
    if (!Number.isInteger(this.#iterations) || this.#iterations < 1) {
      throw new ImproperlyConfigured(`Pbkdf2Sha256Hasher iterations must be a positive integer.`)
    }
  }

  async encode(password: string, salt = randomSalt()): Promise<string> {
    if (salt.includes('$')) throw new ImproperlyConfigured(`A password salt may not contain '$'.`)
    const hash = await derive(password, salt, this.#iterations, 32, 'sha256')
    return `${this.algorithm}$${this.#iterations}$${salt}$${hash.toString('base64')}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = parse(encoded)
    if (parts === null) return false
    const expected = Buffer.from(parts.hash, 'base64')
    const actual = await derive(password, parts.salt, parts.iterations, expected.length || 32, 'sha256')
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }

  mustUpdate(encoded: string): boolean {
    const parts = parse(encoded)
    return parts === null || parts.iterations < this.#iterations
  }
}

// A ceiling on the work a stored hash can ask for: a tampered row must not
// turn one login into minutes of CPU.
const MAX_ITERATIONS = 100_000_000

function parse(encoded: string): { iterations: number; salt: string; hash: string } | null {
  const [algorithm, iterations, salt, hash, ...rest] = encoded.split('$')
  if (algorithm !== 'pbkdf2_sha256' || rest.length > 0 || salt === undefined || !hash) return null
  const count = Number(iterations)
  if (!Number.isInteger(count) || count < 1 || count > MAX_ITERATIONS) return null
  return { iterations: count, salt, hash }
}
