/**
 * Loads an optional driver package on first use, with a message that names
 * the package and its install command when it is missing.
 *
 * @module
 * @internal
 */

import { ImproperlyConfigured } from '../../errors.js'
import { missingPeer } from '../../util/optional-peer.js'

const cache = new Map<string, Promise<unknown>>()

/**
 * The module `name`, or `ImproperlyConfigured` saying how to install it.
 * @internal
 */
export function loadPeer<T>(name: string, purpose: string, load: () => Promise<T>): Promise<T> {
  let loading = cache.get(name) as Promise<T> | undefined
  if (loading === undefined) {
    loading = load().catch((error: unknown) => {
      cache.delete(name)
      throw (
        missingPeer(error, name, purpose) ??
        new ImproperlyConfigured(`${purpose} needs the optional package ${name}: npm install ${name}`, {
          cause: error,
        })
      )
    })
    cache.set(name, loading)
  }
  return loading
}
