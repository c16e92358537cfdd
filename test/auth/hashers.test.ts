import { describe, expect, it } from 'vitest'

import { UnknownPasswordHasher } from '../../src/errors.js'
import {
  hashPassword,
  needsRehash,
  unusablePassword,
  verifyPassword,
} from '../../src/auth/hashers/password-hasher.js'
import { Pbkdf2Sha256Hasher } from '../../src/auth/hashers/pbkdf2-hasher.js'
import { ScryptHasher } from '../../src/auth/hashers/scrypt-hasher.js'

// Computed independently with Python's hashlib, in Django's encoding.
const DJANGO_PBKDF2 = 'pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A='
const DJANGO_SCRYPT =
  'scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw=='

describe('Pbkdf2Sha256Hasher', () => {
  it("produces Django's pbkdf2_sha256 encoding byte for byte", async () => {
    expect(await new Pbkdf2Sha256Hasher({ iterations: 1000 }).encode('lètmein', 'seasalt')).toBe(
      DJANGO_PBKDF2,
    )
  })

  it('verifies a Django hash and refuses a wrong password', async () => {
    expect(await verifyPassword('lètmein', DJANGO_PBKDF2)).toBe(true)
    expect(await verifyPassword('letmein', DJANGO_PBKDF2)).toBe(false)
  })

  it('reports hashes with fewer iterations than configured', () => {
    expect(new Pbkdf2Sha256Hasher().mustUpdate(DJANGO_PBKDF2)).toBe(true)
    expect(new Pbkdf2Sha256Hasher({ iterations: 1000 }).mustUpdate(DJANGO_PBKDF2)).toBe(false)
  })

  it('refuses tampered or absurd hashes without throwing', async () => {
    expect(await verifyPassword('lètmein', 'pbkdf2_sha256$999999999999$seasalt$abc')).toBe(false)
    expect(await verifyPassword('lètmein', 'pbkdf2_sha256$1000$seasalt')).toBe(false)
  })
})

describe('ScryptHasher', () => {
  it("produces and verifies Django's scrypt encoding", async () => {
    expect(await new ScryptHasher().encode('lètmein', 'seasalt')).toBe(DJANGO_SCRYPT)
    expect(await verifyPassword('lètmein', DJANGO_SCRYPT)).toBe(true)
    expect(await verifyPassword('wrong', DJANGO_SCRYPT)).toBe(false)
  })
})

describe('hashPassword', () => {
  it('makes a salted pbkdf2_sha256 hash by default that verifies', async () => {
    const hashers = [new Pbkdf2Sha256Hasher({ iterations: 1000 })]
    const a = await hashPassword('secret', { hashers })
    const b = await hashPassword('secret', { hashers })
    expect(a).toMatch(/^pbkdf2_sha256\$1000\$[A-Za-z0-9]{22}\$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('secret', a, { hashers })).toBe(true)
  })

  it('never matches an unusable password', async () => {
    expect(await verifyPassword('', unusablePassword())).toBe(false)
    expect(await verifyPassword('', '')).toBe(false)
  })

  it('throws UnknownPasswordHasher for a format no hasher reads', async () => {
    await expect(verifyPassword('x', 'md5$salt$hash')).rejects.toThrow(UnknownPasswordHasher)
  })

  it('asks for a rehash when the preferred hasher changed', async () => {
    expect(await needsRehash(DJANGO_PBKDF2, { hashers: [new ScryptHasher()] })).toBe(true)
    expect(await needsRehash(DJANGO_SCRYPT, { hashers: [new ScryptHasher()] })).toBe(false)
  })
})
