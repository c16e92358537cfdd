import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { Argon2Hasher } from '../../src/auth/hashers/argon2-hasher.js'
import { BcryptHasher, BcryptSha256Hasher } from '../../src/auth/hashers/bcrypt-hasher.js'
import type { PasswordHasher } from '../../src/auth/hashers/hasher.js'
import { hashPassword, verifyPassword } from '../../src/auth/hashers/password-hasher.js'
import { Pbkdf2Sha1Hasher, Pbkdf2Sha256Hasher } from '../../src/auth/hashers/pbkdf2-hasher.js'
import { ScryptHasher } from '../../src/auth/hashers/scrypt-hasher.js'
import { djangoPasswordHashers } from '../../src/django/password-hashers.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { djangoSkipReason, startDjango } from './django-peer.js'
import type { DjangoPeer } from './django-peer.js'

const skipReason = djangoSkipReason()
const PASSWORD = 'pässwörd ✓ with a long tail '.repeat(4)
const D = 'django.contrib.auth.hashers.'

/** Each Django hasher, its cheap test variant in djpeer's fasthashers, and tschannels' at the same cost. */
const CASES: ReadonlyArray<{ algorithm: string; django: string; fast: string; ours: PasswordHasher }> = [
  {
    algorithm: 'pbkdf2_sha256',
    django: `${D}PBKDF2PasswordHasher`,
    fast: 'fasthashers.FastPBKDF2PasswordHasher',
    ours: new Pbkdf2Sha256Hasher({ iterations: 1000 }),
  },
  {
    algorithm: 'pbkdf2_sha1',
    django: `${D}PBKDF2SHA1PasswordHasher`,
    fast: 'fasthashers.FastPBKDF2SHA1PasswordHasher',
    ours: new Pbkdf2Sha1Hasher({ iterations: 1000 }),
  },
  {
    algorithm: 'argon2',
    django: `${D}Argon2PasswordHasher`,
    fast: 'fasthashers.FastArgon2PasswordHasher',
    ours: new Argon2Hasher({ timeCost: 1, memoryCost: 256, parallelism: 2 }),
  },
  {
    algorithm: 'bcrypt_sha256',
    django: `${D}BCryptSHA256PasswordHasher`,
    fast: 'fasthashers.FastBCryptSHA256PasswordHasher',
    ours: new BcryptSha256Hasher({ rounds: 4 }),
  },
  {
    algorithm: 'bcrypt',
    django: `${D}BCryptPasswordHasher`,
    fast: 'fasthashers.FastBCryptPasswordHasher',
    ours: new BcryptHasher({ rounds: 4 }),
  },
  {
    algorithm: 'scrypt',
    django: `${D}ScryptPasswordHasher`,
    fast: 'fasthashers.FastScryptPasswordHasher',
    ours: new ScryptHasher({ workFactor: 1024, parallelism: 1 }),
  },
]

describe.skipIf(skipReason !== undefined)('password hashers against Django 4.2', () => {
  let django: DjangoPeer
  let folder: string

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tschannels-hashers-'))
    django = await startDjango({
      secret_key: 'django-insecure-hashers-test-key-0123456789abcdefghijkl',
      database: `sqlite:///${folder}/db.sqlite3`,
      hashers: [...CASES.map((c) => c.fast), ...CASES.map((c) => c.django)],
    })
  })
  afterAll(async () => {
    await django?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  describe.each(CASES)('$algorithm', ({ algorithm, ours }) => {
    it('verifies what Django hashed, and refuses a wrong password', async () => {
      const encoded = await django.call<string>('make', { password: PASSWORD, hasher: algorithm })
      expect(encoded.startsWith(`${algorithm}$`)).toBe(true)
      const hashers = djangoPasswordHashers([
        `${D}PBKDF2PasswordHasher`,
        `${D}PBKDF2SHA1PasswordHasher`,
        `${D}Argon2PasswordHasher`,
        `${D}BCryptSHA256PasswordHasher`,
        `${D}BCryptPasswordHasher`,
        `${D}ScryptPasswordHasher`,
      ])
      expect(await verifyPassword(PASSWORD, encoded, { hashers })).toBe(true)
      expect(await verifyPassword(`x${PASSWORD}`, encoded, { hashers })).toBe(false)
    })

    it('hashes what Django verifies, with the first configured hasher', async () => {
      const encoded = await hashPassword(PASSWORD, { hashers: [ours, new Pbkdf2Sha256Hasher()] })
      expect(encoded.startsWith(`${algorithm}$`)).toBe(true)
      expect(await django.call('check', { password: PASSWORD, encoded })).toBe(true)
      expect(await django.call('check', { password: 'wrong', encoded })).toBe(false)
    })
  })

  it("verifies each hasher's hash at Django's own default cost", async () => {
    const hashers = djangoPasswordHashers([...CASES.map((c) => c.django)])
    for (const { django: name, algorithm } of CASES) {
      const encoded = await django.call<string>('make', { password: 'pw', hasher: algorithm, dotted: name })
      expect(await verifyPassword('pw', encoded, { hashers }), algorithm).toBe(true)
    }
  })

  it('refuses a PASSWORD_HASHERS entry it cannot read, naming the ones it can', () => {
    expect(() => djangoPasswordHashers([`${D}MD5PasswordHasher`])).toThrow(ImproperlyConfigured)
  })

  it('never accepts a hash whose cost was raised past its ceiling (a tampered row)', async () => {
    const hashers = [new BcryptHasher(), new Argon2Hasher(), new Pbkdf2Sha256Hasher()]
    expect(await verifyPassword('pw', 'bcrypt$$2b$31$' + 'a'.repeat(53), { hashers })).toBe(false)
    expect(
      await verifyPassword('pw', 'argon2$argon2id$v=19$m=99999999,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2g', {
        hashers,
      }),
    ).toBe(false)
    expect(await verifyPassword('pw', 'pbkdf2_sha256$999999999999$salt$aGFzaA==', { hashers })).toBe(false)
  })
})
