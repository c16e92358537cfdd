/**
 * Loading the optional peer packages (`ioredis`, `pg`, `better-sqlite3`,
 * `@msgpack/msgpack`, `jose`). They are not installed with tschannels, so a
 * module that needs one loads it here: when it is missing, the import of
 * that module fails with `MissingPeerDependency`, which names the package
 * and the command that installs it, instead of Node's bare "Cannot find
 * package". Packages that ship CommonJS are required synchronously, so the
 * modules that load them keep no top-level await; `jose`, which ships only
 * ES modules, is imported.
 *
 * @module
 * @internal
 */

import { createRequire } from 'node:module'

import { MissingPeerDependency } from '../errors.js'

const require = createRequire(import.meta.url)

/**
 * Requires the CommonJS peer `name` for `feature` (named in the error, e.g.
 * `'tschannels/redis'`).
 *
 * @throws MissingPeerDependency when the package is not installed; any other
 *   failure of the package itself is thrown as it is.
 * @internal
 */
export function requirePeer<T>(name: string, feature: string): T {
  try {
    return require(name) as T
  } catch (error) {
    throw asMissing(error, name, feature)
  }
}

/**
 * Imports the ES-module peer `name` for `feature`.
 *
 * @throws MissingPeerDependency when the package is not installed.
 * @internal
 */
export async function importPeer<T>(name: string, feature: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (error) {
    throw asMissing(error, name, feature)
  }
}

/** `error` as `MissingPeerDependency` when it says that `name` itself is missing, else unchanged. */
function asMissing(error: unknown, name: string, feature: string): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return error
  // A dependency missing inside an installed peer is a different problem, reported as it is.
  const first = String(message).split('\n', 1)[0]!
  if (!first.includes(`'${name}'`)) return error
  return new MissingPeerDependency(name, feature, { cause: error })
}
