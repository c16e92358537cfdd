/**
 * `BcryptSha256Hasher` and `BcryptHasher`: Django's
 * `bcrypt_sha256$$2b$12$…` and `bcrypt$$2b$12$…` formats, computed with
 * `hash-wasm` (WebAssembly, no native build).
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto'

import { ImproperlyConfigured } from '../../errors.js'
import type { PasswordHasher } from './hasher.js'
import { loadHashWasm } from './load-hash-wasm.js'

/** Options of the bcrypt hashers; the default is Django's. */
export interface BcryptHasherOptions {
  /** The cost, as a power of two (4 to 31). @default 12 */
  rounds?: number
}

// A tampered row must not make one login cost minutes: 2^20 rounds already take seconds.
const MAX_VERIFY_ROUNDS = 20
const BCRYPT = /^\$2[abxy]\$(\d\d)\$[./A-Za-z0-9]{53}$/

abstract class Bcrypt implements PasswordHasher {
  abstract readonly algorithm: string
  readonly #rounds: number

  constructor(options: BcryptHasherOptions = {}) {
    this.#rounds = options.rounds ?? 12
    if (!Number.isInteger(this.#rounds) || this.#rounds < 4 || this.#rounds > 31) {
      throw new ImproperlyConfigured('A bcrypt hasher needs rounds from 4 to 31.')
    }
  }

  /** What bcrypt is given for `password`: Django's SHA-256 variant pre-hashes it to 64 hex digits. */
  protected abstract secret(password: string): string | Uint8Array

  async encode(password: string, _salt?: string): Promise<string> {
    // bcrypt salts are 16 random bytes in its own alphabet; a text salt does not fit them.
    const { bcrypt } = await loadHashWasm(this.constructor.name)
    const encoded = await bcrypt({
      password: this.secret(password),
      salt: randomBytes(16),
      costFactor: this.#rounds,
      outputType: 'encoded',
    })
    // hash-wasm writes the `2a` tag; Python's bcrypt, which Django uses, writes `2b` for the same hash.
    return `${this.algorithm}$${encoded.replace(/^\$2a\$/, '$2b$')}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const hash = this.#hash(encoded)
    if (hash === null || Number(BCRYPT.exec(hash)![1]) > MAX_VERIFY_ROUNDS) return false
    const { bcryptVerify } = await loadHashWasm(this.constructor.name)
    try {
      return await bcryptVerify({ password: this.secret(password), hash })
    } catch {
      return false
    }
  }

  mustUpdate(encoded: string): boolean {
    const hash = this.#hash(encoded)
    return hash === null || Number(BCRYPT.exec(hash)![1]) !== this.#rounds
  }

  #hash(encoded: string): string | null {
    const prefix = `${this.algorithm}$`
    if (!encoded.startsWith(prefix)) return null
    const hash = encoded.slice(prefix.length)
    return BCRYPT.test(hash) ? hash : null
  }
}

/**
 * bcrypt of the password's SHA-256 hex digest, as Django's
 * `BCryptSHA256PasswordHasher`: long passwords are not cut at 72 bytes.
 * Needs the optional package `hash-wasm`.
 *
 * @example
 * ```ts
 * import { BcryptSha256Hasher } from 'tschannels/django'
 * declare const password: string
 * await new BcryptSha256Hasher().verify(password, 'bcrypt_sha256$$2b$12$…')
 * ```
 */
export class BcryptSha256Hasher extends Bcrypt {
  readonly algorithm = 'bcrypt_sha256'
  protected secret(password: string): string {
    return createHash('sha256').update(password).digest('hex')
  }
}

/**
 * Plain bcrypt, as Django's `BCryptPasswordHasher` (only the first 72 bytes
 * of a password count). Needs the optional package `hash-wasm`.
 *
 * @example
 * ```ts
 * import { BcryptHasher } from 'tschannels/django'
 * declare const password: string
 * await new BcryptHasher().verify(password, 'bcrypt$$2b$12$…')
 * ```
 */
export class BcryptHasher extends Bcrypt {
  readonly algorithm = 'bcrypt'
  protected secret(password: string): Uint8Array {
    // bcrypt reads at most 72 bytes; Python's bcrypt ignores the rest, hash-wasm refuses them.
    return Buffer.from(password).subarray(0, 72)
  }
}
