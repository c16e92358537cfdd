/**
 * The session store `SessionMiddleware` uses when it is given none: the
 * `sessionStore` setting, or one in-memory store per settings object.
 *
 * @module
 * @internal
 */

import { getSettings } from '../settings.js'
import type { Settings } from '../settings.js'
import { warn } from '../util/warnings.js'
import { InMemorySessionStore } from './memory-store.js'
import type { SessionStore } from './session-store.js'

// Keyed by the settings object, so `resetSettings()` or a new
// `configureSettings()` also starts a fresh default store: no state outlives
// the settings it was made for.
const defaults = new WeakMap<Readonly<Settings>, SessionStore>()

/**
 * The configured session store, or the process's in-memory default.
 * @internal
 */
export function defaultSessionStore(settings: Readonly<Settings> = getSettings()): SessionStore {
  if (settings.sessionStore !== undefined) return settings.sessionStore
  let store = defaults.get(settings)
  if (store === undefined) {
    store = new InMemorySessionStore()
    defaults.set(settings, store)
    if (!settings.debug) {
      warn(
        'CHANNELS_WRN_020',
        'Sessions are kept in memory: they are lost on restart and not shared between processes. ' +
          'Configure settings.sessionStore (SQLite, PostgreSQL or Redis) for production.',
      )
    }
  }
  return store
}
