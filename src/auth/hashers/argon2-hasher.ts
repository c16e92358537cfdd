/**
 * `Argon2Hasher`: Django's `Argon2PasswordHasher` format,
 * `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`, computed with
 * `hash-wasm` (WebAssembly, no native build).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { ImproperlyConfigured } from '../../errors.js'
import type { PasswordHasher } from './hasher.js'
import { loadHashWasm } from './load-hash-wasm.js'
import { randomSalt } from './salt.js'

/** Options of `Argon2Hasher`; the defaults are Django's. */
export interface Argon2HasherOptions {
  /** Passes over memory, `t`. @default 2 */
  timeCost?: number
  /** Memory in KiB, `m`. @default 102400 */
  memoryCost?: number
  /** Lanes, `p`. @default 8 */
  parallelism?: number
}

// Ceilings on what a stored hash may ask for, so a tampered row cannot pin a
// gigabyte or a minute of CPU per login attempt.
const MAX_MEMORY_KIB = 1_048_576
const MAX_TIME_COST = 64
const MAX_PARALLELISM = 64
const PHC =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

/**
 * Argon2id with a 32-byte hash, as Django's `Argon2PasswordHasher`; it
 * also verifies the older `argon2i` hashes Django once made. Needs the
 * optional package `hash-wasm`.
 *
 * @example
 * ```ts
 * import { Argon2Hasher } from 'tschannels/django'
 * configureSettings({ passwordHashers: [new Argon2Hasher(), new Pbkdf2Sha256Hasher()] })
 * ```
 */
export class Argon2Hasher implements PasswordHasher {
  readonly algorithm = 'argon2'
  readonly #t: number
  readonly #m: number
  readonly #p: number

  constructor(options: Argon2HasherOptions = {}) {
    this.#t = options.timeCost ?? 2
    this.#m = options.memoryCost ?? 102_400
    this.#p = options.parallelism ?? 8
    if (!validParameters(this.#m, this.#t, this.#p)) {
      throw new ImproperlyConfigured(
        `Argon2Hasher needs timeCost 1-${MAX_TIME_COST}, parallelism 1-${MAX_PARALLELISM} and ` +
          `memoryCost from 8 × parallelism to ${MAX_MEMORY_KIB} KiB.`,
      )
    }
  }

  async encode(password: string, salt = randomSalt()): Promise<string> {
    const { argon2id } = await loadHashWasm('Argon2Hasher')
    const encoded = await argon2id({
      password,
      salt: salt === '' ? randomBytes(16) : Buffer.from(salt),
      iterations: this.#t,
      memorySize: this.#m,
      parallelism: this.#p,
      hashLength: 32,
      outputType: 'encoded',
    })
    return `${this.algorithm}${encoded}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const phc = encoded.startsWith('argon2$') ? encoded.slice('argon2'.length) : ''
    const parts = PHC.exec(phc)
    if (parts === null || !validParameters(Number(parts[3]), Number(parts[4]), Number(parts[5]))) return false
    const { argon2Verify } = await loadHashWasm('Argon2Hasher')
    try {
      return await argon2Verify({ password, hash: phc })
    } catch {
      return false
    }
  }

  mustUpdate(encoded: string): boolean {
    const parts = PHC.exec(encoded.startsWith('argon2$') ? encoded.slice('argon2'.length) : '')
    if (parts === null) return true
    const [, type, version, m, t, p] = parts
    return (
      type !== 'argon2id' ||
      version !== '19' ||
      Number(m) !== this.#m ||
      Number(t) !== this.#t ||
      Number(p) !== this.#p
    )
  }
}

function validParameters(m: number, t: number, p: number): boolean {
  return (
    Number.isInteger(t) &&
    t >= 1 &&
    t <= MAX_TIME_COST &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= MAX_PARALLELISM &&
    Number.isInteger(m) &&
    m >= 8 * p &&
    m <= MAX_MEMORY_KIB
  )
}
