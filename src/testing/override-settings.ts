/**
 * `overrideSettings()`: Django's `override_settings` for tschannels. A test
 * changes some settings for its own duration and gets the previous ones
 * back afterwards, whatever happens; because tschannels reads the settings
 * as each connection starts (see `configureSettings`), an application built
 * once at import time sees the override.
 *
 * @module
 */

import { configureSettings, getSettings, swapSettings } from '../settings.js'
import type { Settings } from '../settings.js'

/** What `overrideSettings(values)` returns: puts the previous settings back. */
export interface SettingsOverride {
  /** Restores the settings in force before the override. Idempotent, and safe to pass around unbound. */
  readonly restore: () => void
  /** The same as `restore()`, for `using`. */
  [Symbol.dispose](): void
}

/**
 * Overrides `values` on top of the settings in force (the environment is
 * not read again), checked as `configureSettings()` checks them.
 *
 * With `fn`, runs it and restores the previous settings once it has
 * returned or its promise has settled, and returns what it returned.
 * Without `fn`, returns a `SettingsOverride` to restore them yourself, for
 * example in `afterEach` or with `onTestFinished`.
 *
 * @param values - the settings to change; the rest stay as they are
 * @param fn - runs with the override in force
 *
 * @example
 * ```ts
 * import { onTestFinished } from 'vitest'
 *
 * await overrideSettings({ allowedHosts: ['chat.example.com'] }, async () => {
 *   const client = new WebsocketCommunicator(application, '/ws/', {
 *     headers: [['origin', 'https://chat.example.com']],
 *   })
 *   expect((await client.connect()).connected).toBe(true)
 * })
 * onTestFinished(overrideSettings({ debug: true }).restore)
 * ```
 */
export function overrideSettings<T>(values: Partial<Settings>, fn: () => T): T
export function overrideSettings(values: Partial<Settings>): SettingsOverride
export function overrideSettings<T>(values: Partial<Settings>, fn?: () => T): T | SettingsOverride {
  // The settings exactly as they were, possibly none yet: restoring none lets
  // the next reading see the environment as it is then.
  const previous = swapSettings(undefined)
  try {
    configureSettings({ ...(previous ?? getSettings()), ...values }, { env: {} })
  } catch (error) {
    swapSettings(previous)
    throw error
  }
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    swapSettings(previous)
  }
  if (fn === undefined) return { restore, [Symbol.dispose]: restore }
  let result: T
  try {
    result = fn()
  } catch (error) {
    restore()
    throw error
  }
  if (isThenable(result)) return Promise.resolve(result).finally(restore) as T
  restore()
  return result
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
