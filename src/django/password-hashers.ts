/**
 * `djangoPasswordHashers`: Django's `PASSWORD_HASHERS` setting, by its
 * dotted class names, as tschannels hashers.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { Argon2Hasher } from '../auth/hashers/argon2-hasher.js'
import { BcryptHasher, BcryptSha256Hasher } from '../auth/hashers/bcrypt-hasher.js'
import type { PasswordHasher } from '../auth/hashers/hasher.js'
import { Pbkdf2Sha1Hasher, Pbkdf2Sha256Hasher } from '../auth/hashers/pbkdf2-hasher.js'
import { ScryptHasher } from '../auth/hashers/scrypt-hasher.js'

const PREFIX = 'django.contrib.auth.hashers.'

/** Django 4.2's hashers at Django 4.2's costs, by class name. */
const HASHERS: Readonly<Record<string, () => PasswordHasher>> = {
  PBKDF2PasswordHasher: () => new Pbkdf2Sha256Hasher({ iterations: 600_000 }),
  PBKDF2SHA1PasswordHasher: () => new Pbkdf2Sha1Hasher({ iterations: 600_000 }),
  Argon2PasswordHasher: () => new Argon2Hasher(),
  BCryptSHA256PasswordHasher: () => new BcryptSha256Hasher(),
  BCryptPasswordHasher: () => new BcryptHasher(),
  ScryptPasswordHasher: () => new ScryptHasher({ parallelism: 1 }),
}

/** Django 4.2's default `PASSWORD_HASHERS`. */
export const DJANGO_PASSWORD_HASHERS: readonly string[] = Object.freeze([
  `${PREFIX}PBKDF2PasswordHasher`,
  `${PREFIX}PBKDF2SHA1PasswordHasher`,
  `${PREFIX}Argon2PasswordHasher`,
  `${PREFIX}BCryptSHA256PasswordHasher`,
  `${PREFIX}ScryptPasswordHasher`,
])

/**
 * The hashers a Django `PASSWORD_HASHERS` list names, in its order and at
 * Django 4.2's costs: the first makes new hashes, all verify. Argon2 and
 * bcrypt need the optional package `hash-wasm` when a hash of theirs is met.
 *
 * @example
 * ```ts
 * configureSettings({ passwordHashers: djangoPasswordHashers() }) // Django's defaults
 * const hashers = djangoPasswordHashers(['django.contrib.auth.hashers.Argon2PasswordHasher',
 *   'django.contrib.auth.hashers.PBKDF2PasswordHasher'])
 * ```
 */
export function djangoPasswordHashers(names: readonly string[] = DJANGO_PASSWORD_HASHERS): PasswordHasher[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new ImproperlyConfigured('PASSWORD_HASHERS must be a non-empty list of hasher class paths.')
  }
  return names.map((name) => {
    const make =
      typeof name === 'string' && name.startsWith(PREFIX) ? HASHERS[name.slice(PREFIX.length)] : undefined
    if (make === undefined) {
      throw new ImproperlyConfigured(
        `PASSWORD_HASHERS names '${String(name)}', which tschannels does not read; it reads ` +
          `${Object.keys(HASHERS)
            .map((n) => PREFIX + n)
            .join(', ')}.`,
      )
    }
    return make()
  })
}
