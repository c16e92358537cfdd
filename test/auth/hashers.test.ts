import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterEach, describe, expect, it } from 'vitest'

import { authenticate, createUser } from '../../src/auth/authenticate.js'
import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { ImproperlyConfigured, UnknownPasswordHasher } from '../../src/errors.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
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

describe('the passwordHashers setting', () => {
  afterEach(() => resetSettings())

  it('chooses the hasher and its cost for every call that passes none', async () => {
    configureSettings({ passwordHashers: [new Pbkdf2Sha256Hasher({ iterations: 1 })] }, { env: {} })
    const encoded = await hashPassword('pw')
    expect(encoded).toMatch(/^pbkdf2_sha256\$1\$/)
    expect(await verifyPassword('pw', encoded)).toBe(true)
    const users = new InMemoryUserStore()
    const ada = await createUser(users, 'ada', 'pw')
    expect(ada.passwordHash).toMatch(/^pbkdf2_sha256\$1\$/)
    expect(await authenticate(users, 'ada', 'pw')).not.toBeNull()
    expect(await authenticate(users, 'nobody', 'pw')).toBeNull()
  })

  it('refuses an empty list', () => {
    expect(() => configureSettings({ passwordHashers: [] }, { env: {} })).toThrow(ImproperlyConfigured)
  })
})

describe('src/auth/hashers', () => {
  it('has no import cycle, type-only imports included', () => {
    const folder = fileURLToPath(new URL('../../src/auth/hashers/', import.meta.url))
    const edges = new Map<string, string[]>()
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(join(folder, file), 'utf8')
      edges.set(
        file,
        [...text.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((match) => `${match[1]}.ts`),
      )
    }
    const visiting = new Set<string>()
    const done = new Set<string>()
    const cycles: string[] = []
    const visit = (file: string, path: string[]): void => {
      if (done.has(file)) return
      if (visiting.has(file)) {
        cycles.push([...path, file].join(' -> '))
        return
      }
      visiting.add(file)
      for (const next of edges.get(file) ?? []) visit(next, [...path, file])
      visiting.delete(file)
      done.add(file)
    }
    for (const file of edges.keys()) visit(file, [])
    expect(cycles).toEqual([])
  })
})
