/**
 * Password hashing: `hashPassword`, `verifyPassword` and `needsRehash`,
 * dispatching on the algorithm prefix of the encoded hash, as Django's
 * `make_password`/`check_password`.
 *
 * @module
 */

import { UnknownPasswordHasher } from '../../errors.js'
import { getSettings } from '../../settings.js'
import type { PasswordHasher } from './hasher.js'
import { Pbkdf2Sha256Hasher } from './pbkdf2-hasher.js'
import { randomSalt } from './salt.js'
import { ScryptHasher } from './scrypt-hasher.js'

export type { PasswordHasher } from './hasher.js'

/** Options of the password functions. */
export interface PasswordOptions {
  /**
   * The hashers to use; the first makes new hashes, all are tried for
   * verification by prefix.
   * @default the `passwordHashers` setting, else [new Pbkdf2Sha256Hasher(), new ScryptHasher()]
   */
  hashers?: readonly PasswordHasher[]
}

/** Django marks a password that can never match with a leading `!`. */
export const UNUSABLE_PASSWORD_PREFIX = '!'

let defaults: readonly PasswordHasher[] | undefined

/**
 * The `passwordHashers` setting, else the built-in pair, built on first use
 * so importing tschannels costs nothing.
 * @internal
 */
export function defaultHashers(): readonly PasswordHasher[] {
  const configured = getSettings().passwordHashers
  if (configured !== undefined) return configured
  defaults ??= [new Pbkdf2Sha256Hasher(), new ScryptHasher()]
  return defaults
}

/**
 * Hashes `password` with the first hasher (PBKDF2-SHA256, as Django).
 *
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple')
 * await users.create({ username: 'ada', passwordHash })
 * ```
 */
export async function hashPassword(password: string, options: PasswordOptions = {}): Promise<string> {
  const [hasher] = options.hashers ?? defaultHashers()
  if (hasher === undefined) throw new UnknownPasswordHasher('hashPassword() was given no hashers.')
  return hasher.encode(password)
}

/**
 * Whether `password` matches `encoded`. An unusable (`!…`) or empty hash
 * never matches; an unknown algorithm throws `UnknownPasswordHasher`.
 */
export async function verifyPassword(
  password: string,
  encoded: string,
  options: PasswordOptions = {},
): Promise<boolean> {
  if (typeof encoded !== 'string' || encoded === '' || encoded.startsWith(UNUSABLE_PASSWORD_PREFIX))
    return false
  return hasherFor(encoded, options.hashers ?? defaultHashers()).verify(password, encoded)
}

/** Whether `encoded` should be re-hashed with the preferred hasher at the next successful login. */
export async function needsRehash(encoded: string, options: PasswordOptions = {}): Promise<boolean> {
  const hashers = options.hashers ?? defaultHashers()
  const preferred = hashers[0]
  if (preferred === undefined || !encoded.startsWith(`${preferred.algorithm}$`)) return true
  return preferred.mustUpdate(encoded)
}

/** A hash that can never match, for users who log in some other way. */
export function unusablePassword(): string {
  return UNUSABLE_PASSWORD_PREFIX + randomSalt(40)
}

function hasherFor(encoded: string, hashers: readonly PasswordHasher[]): PasswordHasher {
  const algorithm = encoded.slice(0, encoded.indexOf('$'))
  const hasher = hashers.find((candidate) => candidate.algorithm === algorithm)
  if (hasher === undefined) {
    throw new UnknownPasswordHasher(
      `No password hasher reads '${algorithm || 'unknown'}' hashes; configured: ` +
        `${hashers.map((h) => h.algorithm).join(', ')}.`,
    )
  }
  return hasher
}
