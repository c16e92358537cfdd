/**
 * Loading the optional peer packages (`ioredis`, `pg`, `better-sqlite3`,
 * `@msgpack/msgpack`, `jose`, `mysql2`, `hash-wasm`). They are not installed
 * with tschannels, so a module that needs one loads it here: when it is
 * missing, the import of that module fails with `MissingPeerDependency`,
 * which names the package and the command that installs it, instead of
 * Node's bare "Cannot find package". Packages that ship CommonJS are
 * required synchronously, so the modules that load them keep no top-level
 * await; `jose`, which ships only ES modules, is imported. Peers loaded on
 * first use (the Django drivers, `hash-wasm`) classify their failure with
 * `missingPeer()`.
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
    throw missingPeer(error, name, feature) ?? error
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
    throw missingPeer(error, name, feature) ?? error
  }
}

/**
 * The `MissingPeerDependency` that loading `name` for `feature` failed with,
 * or `undefined` when `error` is about something else: another failure of
 * the package, or a dependency missing inside an installed peer. One already
 * made (by a module the loader imported) is returned as it is.
 * @internal
 */
export function missingPeer(
  error: unknown,
  name: string,
  feature: string,
): MissingPeerDependency | undefined {
  if (error instanceof MissingPeerDependency) return error
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return undefined
  // Node names the package ('mysql2') or, for a CommonJS require, the subpath asked for ('mysql2/promise').
  const first = String(message).split('\n', 1)[0]!
  if (!first.includes(`'${name}'`) && !first.includes(`'${name}/`)) return undefined
  return new MissingPeerDependency(name, feature, { cause: error })
}
