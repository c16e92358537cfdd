/**
 * The user store used when a middleware is given none: the `userStore`
 * setting, or one empty in-memory store per settings object.
 *
 * @module
 * @internal
 */

import { getSettings } from '../settings.js'
import type { Settings } from '../settings.js'
import { InMemoryUserStore } from './memory-user-store.js'
import type { UserStore } from './user-store.js'

const defaults = new WeakMap<Readonly<Settings>, UserStore>()

/**
 * The configured user store, or an empty in-memory one for these settings.
 * @internal
 */
export function defaultUserStore(settings: Readonly<Settings> = getSettings()): UserStore {
  if (settings.userStore !== undefined) return settings.userStore
  let store = defaults.get(settings)
  if (store === undefined) {
    store = new InMemoryUserStore()
    defaults.set(settings, store)
  }
  return store
}

/**
 * Where `getUser()` finds the user store `AuthMiddleware` was given: a
 * registered symbol, so it survives the scope copies middleware makes.
 * @internal
 */
export const USER_STORE: unique symbol = Symbol.for('tschannels.auth.userStore')
