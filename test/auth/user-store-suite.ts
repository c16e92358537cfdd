/**
 * The conformance suite every user store runs.
 *
 * @module
 */

import { describe, expect, it, onTestFinished } from 'vitest'

import { UserExists } from '../../src/errors.js'
import type { UserStore } from '../../src/auth/user-store.js'

/** How a user store's test file runs the suite. */
export interface UserStoreSuiteOptions {
  /** Builds a fresh, empty store for one test; the suite closes it. */
  newStore: () => Promise<UserStore> | UserStore
}

/**
 * Registers the conformance tests for one user store under `describe(name)`.
 *
 * @example
 * ```ts
 * runUserStoreSuite('InMemoryUserStore', { newStore: () => new InMemoryUserStore() })
 * ```
 */
export function runUserStoreSuite(name: string, options: UserStoreSuiteOptions): void {
  const open = async (): Promise<UserStore> => {
    const store = await options.newStore()
    onTestFinished(() => store.close())
    return store
  }

  describe(`${name} (user store conformance)`, () => {
    it('creates a user and finds it by id and by username', async () => {
      const store = await open()
      const before = Date.now()
      const ada = await store.create({ username: 'ada', passwordHash: 'pbkdf2_sha256$1$s$h' })
      expect(ada).toMatchObject({
        username: 'ada',
        passwordHash: 'pbkdf2_sha256$1$s$h',
        isActive: true,
        isAuthenticated: true,
        isAnonymous: false,
      })
      expect(typeof ada.id).toBe('string')
      expect(ada.created).toBeInstanceOf(Date)
      expect(ada.created.getTime()).toBeGreaterThan(before - 5_000)
      expect(await store.getById(ada.id)).toEqual(ada)
      expect(await store.getByUsername('ada')).toEqual(ada)
    })

    it('returns null for unknown or malformed ids and usernames', async () => {
      const store = await open()
      expect(await store.getById('999999')).toBeNull()
      expect(await store.getById('1 or 1=1')).toBeNull()
      expect(await store.getByUsername('nobody')).toBeNull()
    })

    it('throws UserExists for a taken username and keeps usernames case-sensitive', async () => {
      const store = await open()
      await store.create({ username: 'ada', passwordHash: 'x' })
      await expect(store.create({ username: 'ada', passwordHash: 'y' })).rejects.toThrow(UserExists)
      const other = await store.create({ username: 'Ada', passwordHash: 'z' })
      expect(other.username).toBe('Ada')
    })

    it('changes the password hash and the active flag', async () => {
      const store = await open()
      const ada = await store.create({ username: 'ada', passwordHash: 'old', isActive: false })
      expect(ada.isActive).toBe(false)
      await store.setPassword(ada.id, 'new')
      await store.setActive(ada.id, true)
      expect(await store.getById(ada.id)).toMatchObject({ passwordHash: 'new', isActive: true })
    })

    it('gives loads of an unchanged user one shared frozen object, and a changed user a new one', async () => {
      const store = await open()
      const ada = await store.create({ username: 'ada', passwordHash: 'old' })
      const first = await store.getById(ada.id)
      const second = await store.getByUsername('ada')
      expect(second).toBe(first)
      expect(Object.isFrozen(first)).toBe(true)
      await store.setPassword(ada.id, 'new')
      const changed = await store.getById(ada.id)
      expect(changed).not.toBe(first)
      expect(changed).toMatchObject({ passwordHash: 'new', isActive: true })
      expect(first).toMatchObject({ passwordHash: 'old' })
      await store.setActive(ada.id, false)
      expect(await store.getById(ada.id)).toMatchObject({ passwordHash: 'new', isActive: false })
    })

    it('deletes a user, and deleting a missing one is not an error', async () => {
      const store = await open()
      const ada = await store.create({ username: 'ada', passwordHash: 'x' })
      await store.delete(ada.id)
      expect(await store.getById(ada.id)).toBeNull()
      await store.delete(ada.id)
    })

    it('gives every user a different id', async () => {
      const store = await open()
      const users = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.create({ username: `u${i}`, passwordHash: 'x' })),
      )
      expect(new Set(users.map((user) => user.id)).size).toBe(10)
    })
  })
}
