/**
 * The conformance suite every session store runs: load/save/delete,
 * expiry, clean-up, key handling and concurrent saves.
 *
 * @module
 */

import { describe, expect, it, onTestFinished } from 'vitest'

import type { SessionStore } from '../../src/sessions/session-store.js'

/** How a store's test file runs the suite. */
export interface SessionStoreSuiteOptions {
  /** Builds a fresh, empty store for one test; the suite closes it. */
  newStore: () => Promise<SessionStore> | SessionStore
  /** Titles to skip, with the reason. */
  skip?: Readonly<Record<string, string>>
}

const later = (ms: number): Date => new Date(Date.now() + ms)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Registers the conformance tests for one store under `describe(name)`.
 *
 * @example
 * ```ts
 * runSessionStoreSuite('InMemorySessionStore', { newStore: () => new InMemorySessionStore() })
 * ```
 */
export function runSessionStoreSuite(name: string, options: SessionStoreSuiteOptions): void {
  const skip = options.skip ?? {}
  const test = (title: string, fn: () => Promise<void>): void => {
    const reason = skip[title]
    if (reason === undefined) it(title, fn)
    else it.skip(`${title} (skipped: ${reason})`, fn)
  }
  const open = async (): Promise<SessionStore> => {
    const store = await options.newStore()
    onTestFinished(() => store.close())
    return store
  }

  describe(`${name} (session store conformance)`, () => {
    test('creates a new key and loads what was saved under it', async () => {
      const store = await open()
      const key = await store.save(null, { user: 'ada', n: 1, nested: { ok: true } }, later(60_000))
      expect(typeof key).toBe('string')
      expect(await store.load(key)).toEqual({ user: 'ada', n: 1, nested: { ok: true } })
    })

    test('replaces the data of an existing key', async () => {
      const store = await open()
      const key = await store.save(null, { n: 1 }, later(60_000))
      const again = await store.save(key, { n: 2 }, later(60_000))
      expect(await store.load(again)).toEqual({ n: 2 })
    })

    test('gives two new sessions different keys', async () => {
      const store = await open()
      const a = await store.save(null, { a: 1 }, later(60_000))
      const b = await store.save(null, { b: 1 }, later(60_000))
      expect(a).not.toBe(b)
      expect(await store.load(a)).toEqual({ a: 1 })
    })

    test('returns null for an unknown, malformed or huge key', async () => {
      const store = await open()
      expect(await store.load('x'.repeat(32))).toBeNull()
      expect(await store.load("'; drop table sessions; --")).toBeNull()
      expect(await store.load('a'.repeat(100_000))).toBeNull()
      expect(await store.load('')).toBeNull()
    })

    test('returns null once a session has expired', async () => {
      const store = await open()
      const key = await store.save(null, { n: 1 }, later(1_100))
      expect(await store.load(key)).toEqual({ n: 1 })
      await sleep(1_300)
      expect(await store.load(key)).toBeNull()
    })

    test('deletes a session, and deleting a missing one is not an error', async () => {
      const store = await open()
      const key = await store.save(null, { n: 1 }, later(60_000))
      await store.delete(key)
      expect(await store.load(key)).toBeNull()
      await store.delete(key)
    })

    test('clears expired sessions and keeps live ones', async () => {
      const store = await open()
      const stale = await store.save(null, { stale: true }, later(1_000))
      const live = await store.save(null, { live: true }, later(60_000))
      await sleep(1_200)
      const removed = await store.clearExpired()
      expect(removed).toBeGreaterThanOrEqual(0)
      expect(await store.load(stale)).toBeNull()
      expect(await store.load(live)).toEqual({ live: true })
    })

    test('leaves one intact record after many concurrent saves of one key', async () => {
      const store = await open()
      const key = await store.save(null, { writer: -1 }, later(60_000))
      const payload = (writer: number): Record<string, unknown> => ({
        writer,
        items: Array.from({ length: 50 }, (_, i) => `${writer}-${i}`),
      })
      const keys = await Promise.all(
        Array.from({ length: 25 }, (_, writer) => store.save(key, payload(writer), later(60_000))),
      )
      const final = keys[keys.length - 1]!
      const data = (await store.load(final)) as { writer: number; items: string[] }
      expect(data).not.toBeNull()
      expect(data.items).toEqual(payload(data.writer).items)
    })

    test('keeps unicode and special characters exactly', async () => {
      const store = await open()
      const data = { text: 'héllo 世界 🎉 "quoted" \\ back\nslash', zero: 0, nothing: null, list: [1, 'two'] }
      const key = await store.save(null, data, later(60_000))
      expect(await store.load(key)).toEqual(data)
    })
  })
}
