/**
 * `InMemoryUserStore`: users in a `Map`, for tests and development.
 *
 * @module
 */

import { UserExists } from '../errors.js'
import { toUser } from './user.js'
import type { User } from './user.js'
import type { NewUser, UserStore } from './user-store.js'

/**
 * Keeps users in this process's memory; lost on restart.
 *
 * @example
 * ```ts
 * const users = new InMemoryUserStore()
 * await createUser(users, 'ada', 'correct horse battery staple')
 * ```
 */
export class InMemoryUserStore implements UserStore {
  #byId = new Map<string, User>()
  #nextId = 1

  async getById(id: string): Promise<User | null> {
    return this.#byId.get(String(id)) ?? null
  }

  async getByUsername(username: string): Promise<User | null> {
    for (const user of this.#byId.values()) if (user.username === username) return user
    return null
  }

  async create(user: NewUser): Promise<User> {
    if ((await this.getByUsername(user.username)) !== null) {
      throw new UserExists(`A user named '${user.username}' already exists.`)
    }
    const created = toUser({
      id: String(this.#nextId++),
      username: user.username,
      passwordHash: user.passwordHash,
      isActive: user.isActive ?? true,
      created: new Date(),
    })
    this.#byId.set(created.id, created)
    return created
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    const user = this.#byId.get(id)
    if (user !== undefined) this.#byId.set(id, toUser({ ...user, passwordHash }))
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    const user = this.#byId.get(id)
    if (user !== undefined) this.#byId.set(id, toUser({ ...user, isActive }))
  }

  async delete(id: string): Promise<void> {
    this.#byId.delete(id)
  }

  async close(): Promise<void> {}
}
