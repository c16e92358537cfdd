/**
 * The conformance suite every opaque-token store runs: resolving, forged
 * tokens, hashed storage, revocation, sharing one database and closing.
 *
 * @module
 */

import { describe, expect, it, onTestFinished } from 'vitest'

import { hashToken } from '../../src/auth/token-store.js'
import type { TokenStore } from '../../src/auth/token-store.js'

/** One stored row, as the database returns it. */
export type TokenRow = Readonly<Record<string, unknown>>

/** How a token store's test file runs the suite. */
export interface TokenStoreSuiteOptions {
  /** Builds a fresh, empty store for one test; the suite closes it. */
  newStore: () => Promise<TokenStore> | TokenStore
  /**
   * Builds two stores on one fresh database, as two processes would open
   * it; the suite closes both. Without it the sharing test is skipped.
   */
  newPair?: () => Promise<[TokenStore, TokenStore]> | [TokenStore, TokenStore]
  /**
   * Every row of the table behind `store`, read straight from the database.
   * Without it the storage test is skipped.
   */
  readRows?: (store: TokenStore) => Promise<readonly TokenRow[]> | readonly TokenRow[]
  /** Titles to skip, with the reason. */
  skip?: Readonly<Record<string, string>>
}

/**
 * Registers the conformance tests for one token store under `describe(name)`.
 *
 * @example
 * ```ts
 * runTokenStoreSuite('InMemoryTokenStore', { newStore: () => new InMemoryTokenStore() })
 * ```
 */
export function runTokenStoreSuite(name: string, options: TokenStoreSuiteOptions): void {
  const skip: Record<string, string> = { ...options.skip }
  const { newPair, readRows } = options
  if (newPair === undefined) skip['shares tokens between two stores on one database'] ??= 'no newPair given'
  if (readRows === undefined) skip['stores the hash of the token, never the token'] ??= 'no readRows given'
  const test = (title: string, fn: () => Promise<void>): void => {
    const reason = skip[title]
    if (reason === undefined) it(title, fn)
    else it.skip(`${title} (skipped: ${reason})`, fn)
  }
  const open = async (): Promise<TokenStore> => {
    const store = await options.newStore()
    onTestFinished(() => store.close())
    return store
  }

  describe(`${name} (token store conformance)`, () => {
    test('resolves a created token to its user', async () => {
      const store = await open()
      const token = await store.create('42')
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(await store.getUserId(token)).toBe('42')
    })

    test('resolves an unknown or forged token to null', async () => {
      const store = await open()
      const token = await store.create('42')
      const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
      for (const forged of ['', 'nope', flipped, `${token}x`, token.toUpperCase(), hashToken(token)]) {
        expect(await store.getUserId(forged)).toBeNull()
      }
      expect(await store.getUserId("' OR '1'='1")).toBeNull()
    })

    test('gives every token a different value, and a user may hold several', async () => {
      const store = await open()
      const tokens = await Promise.all(Array.from({ length: 10 }, () => store.create('42')))
      expect(new Set(tokens).size).toBe(10)
      for (const token of tokens) expect(await store.getUserId(token)).toBe('42')
    })

    test('stores the hash of the token, never the token', async () => {
      const store = await open()
      const before = Date.now()
      const token = await store.create('42')
      const rows = await readRows!(store)
      expect(rows).toHaveLength(1)
      const row = rows[0]!
      expect(row).toMatchObject({ token_hash: hashToken(token), user_id: '42' })
      expect(JSON.stringify(row)).not.toContain(token)
      const created = new Date(row.created as number | Date).getTime()
      expect(created).toBeGreaterThan(before - 5_000)
      expect(created).toBeLessThan(Date.now() + 5_000)
    })

    test("delete revokes one token and leaves the user's others", async () => {
      const store = await open()
      const [first, second] = [await store.create('42'), await store.create('42')]
      await store.delete(first)
      expect(await store.getUserId(first)).toBeNull()
      expect(await store.getUserId(second)).toBe('42')
    })

    test('deleting an unknown or already deleted token is not an error', async () => {
      const store = await open()
      const token = await store.create('42')
      await store.delete(token)
      await store.delete(token)
      await store.delete('nope')
      expect(await store.getUserId(token)).toBeNull()
    })

    test("deleteForUser revokes every token of the user and leaves other users' tokens", async () => {
      const store = await open()
      const ada = await Promise.all([store.create('1'), store.create('1'), store.create('1')])
      const bob = await store.create('2')
      const prefix = await store.create('10')
      await store.deleteForUser('1')
      for (const token of ada) expect(await store.getUserId(token)).toBeNull()
      expect(await store.getUserId(bob)).toBe('2')
      expect(await store.getUserId(prefix)).toBe('10')
      await store.deleteForUser('nobody')
    })

    test('shares tokens between two stores on one database', async () => {
      const [a, b] = await newPair!()
      onTestFinished(() => a.close())
      onTestFinished(() => b.close())
      const fromA = await a.create('1')
      const fromB = await b.create('1')
      const other = await b.create('2')
      expect(await b.getUserId(fromA)).toBe('1')
      expect(await a.getUserId(fromB)).toBe('1')
      await b.delete(fromA)
      expect(await a.getUserId(fromA)).toBeNull()
      await a.deleteForUser('1')
      expect(await b.getUserId(fromB)).toBeNull()
      expect(await a.getUserId(other)).toBe('2')
    })

    test('closes, and closing twice is not an error', async () => {
      const store = await open()
      await store.create('42')
      await store.close()
      await store.close()
    })
  })
}
