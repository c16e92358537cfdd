import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { dumps, loads, Signer, TimestampSigner } from '../../src/django/signing.js'
import { BadSignature, SignatureExpired } from '../../src/errors.js'
import { djangoSkipReason, startDjango } from './django-peer.js'
import type { DjangoPeer } from './django-peer.js'

const KEY = 'django-insecure-signing-test-key-0123456789abcdefghijklmnop'
const OLD_KEY = 'django-insecure-the-previous-key-0123456789abcdefghijklmnop'
const skipReason = djangoSkipReason()

const VALUES: unknown[] = [
  'hello',
  { user: 42, name: 'Zoë ✓ 🎉', nested: { list: [1, 'two', null, true, 0.25] } },
  Array.from({ length: 40 }, (_, i) => `item-${i}`),
  '',
]

describe.skipIf(skipReason !== undefined)('django.core.signing against Django 4.2', () => {
  let django: DjangoPeer
  let folder: string

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tschannels-signing-'))
    django = await startDjango({
      secret_key: KEY,
      fallbacks: [OLD_KEY],
      database: `sqlite:///${folder}/db.sqlite3`,
    })
  })
  afterAll(async () => {
    await django?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  describe('loads', () => {
    it.each(
      VALUES.flatMap((value) => [
        { value, compress: false },
        { value, compress: true },
      ]),
    )('reads what Django dumps ($compress)', async ({ value, compress }) => {
      const signed = await django.call<string>('dumps', { value, compress, salt: 'tschannels.test' })
      expect(loads(signed, { key: KEY, salt: 'tschannels.test' })).toEqual(value)
    })

    it('reads a value signed with a fallback key', async () => {
      const signed = await django.call<string>('dumps', { value: { a: 1 }, key: OLD_KEY })
      expect(() => loads(signed, { key: KEY, fallbackKeys: [] })).toThrow(BadSignature)
      expect(loads(signed, { key: KEY, fallbackKeys: [OLD_KEY] })).toEqual({ a: 1 })
    })

    it('refuses a tampered value, a wrong salt and a wrong key with BadSignature', async () => {
      const signed = await django.call<string>('dumps', { value: { admin: false }, compress: true })
      const [body, ...rest] = signed.split(':')
      const tampered = [`${body!.slice(0, -2)}AA`, ...rest].join(':')
      expect(() => loads(tampered, { key: KEY })).toThrow(BadSignature)
      expect(() => loads(signed, { key: KEY, salt: 'other' })).toThrow(BadSignature)
      expect(() => loads(signed, { key: OLD_KEY, fallbackKeys: [] })).toThrow(BadSignature)
      expect(() => loads('no-separator', { key: KEY })).toThrow(BadSignature)
    })

    it('refuses a value older than maxAge with SignatureExpired, by the given clock', async () => {
      const signed = await django.call<string>('dumps', { value: 'x' })
      const now = Date.now()
      expect(loads(signed, { key: KEY, maxAge: 60, now: () => now })).toBe('x')
      expect(() => loads(signed, { key: KEY, maxAge: 60, now: () => now + 120_000 })).toThrow(
        SignatureExpired,
      )
    })
  })

  describe('dumps', () => {
    it.each(
      VALUES.flatMap((value) => [
        { value, compress: false },
        { value, compress: true },
      ]),
    )('writes what Django loads ($compress)', async ({ value, compress }) => {
      const signed = dumps(value, { key: KEY, salt: 'tschannels.test', compress })
      expect(await django.call('loads', { signed, salt: 'tschannels.test' })).toEqual({ value })
    })

    it('compresses only when that is shorter, flagged with a leading dot, as Django does', async () => {
      const long = Array.from({ length: 40 }, () => 'same')
      expect(dumps(long, { key: KEY, compress: true }).startsWith('.')).toBe(true)
      expect(dumps('a', { key: KEY, compress: true }).startsWith('.')).toBe(false)
    })

    it('writes values Django refuses once they are past max_age', async () => {
      const signed = dumps('old', { key: KEY, now: () => Date.now() - 3_600_000 })
      expect(await django.call('loads', { signed, max_age: 60 })).toEqual({ error: 'SignatureExpired' })
      expect(await django.call('loads', { signed, max_age: 7200 })).toEqual({ value: 'old' })
    })

    it('signs the same bytes as Django for the same second', async () => {
      const value = { user: '7', list: [1, 2, 3] }
      const signed = await django.call<string>('dumps', { value })
      const seconds = signed.split(':')[1]!
      const decoded = [...seconds].reduce(
        (n, c) => n * 62 + '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.indexOf(c),
        0,
      )
      expect(dumps(value, { key: KEY, now: () => decoded * 1000 })).toBe(signed)
    })
  })

  describe('Signer and TimestampSigner', () => {
    it('sign and unsign in both directions with Django', async () => {
      for (const timestamp of [false, true]) {
        const fromDjango = await django.call<string>('sign', {
          value: 'ada@example.com',
          salt: 'mail',
          timestamp,
        })
        const signer = timestamp
          ? new TimestampSigner({ key: KEY, salt: 'mail' })
          : new Signer({ key: KEY, salt: 'mail' })
        expect(signer.unsign(fromDjango)).toBe('ada@example.com')
        const fromNode = signer.sign('grace@example.com')
        expect(await django.call('unsign', { signed: fromNode, salt: 'mail', timestamp })).toEqual({
          value: 'grace@example.com',
        })
        expect(await django.call('unsign', { signed: fromNode, salt: 'other', timestamp })).toEqual({
          error: 'BadSignature',
        })
      }
    })

    it('uses Django’s default salt, the class path', () => {
      expect(new Signer({ key: KEY }).salt).toBe('django.core.signing.Signer')
      expect(new TimestampSigner({ key: KEY }).salt).toBe('django.core.signing.TimestampSigner')
    })
  })
})
