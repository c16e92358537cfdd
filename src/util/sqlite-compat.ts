/**
 * Warns, once per process, when the installed `better-sqlite3` is known to
 * crash on the running Node: 12.x compiled against Node 24.19 or newer aborts
 * the process when the garbage collector frees a prepared statement.
 *
 * @module
 * @internal
 */

import { createRequire } from 'node:module'

import { warn } from './warnings.js'

let checked = false

/**
 * What is wrong with running better-sqlite3 `driverVersion` on Node
 * `nodeVersion`, or `undefined` when the pair is safe.
 * @internal
 */
export function sqliteDriverProblem(nodeVersion: string, driverVersion: string): string | undefined {
  const nodeMajor = Number(nodeVersion.split('.')[0])
  const driverMajor = Number(driverVersion.split('.')[0])
  if (nodeMajor < 22 || driverMajor >= 13) return undefined
  return (
    `better-sqlite3 ${driverVersion} is installed on Node ${nodeVersion}; versions before 13 can abort ` +
    'the process on Node 24 when a statement is garbage-collected. Run `npm install better-sqlite3@13` ' +
    '(use 12 only on Node 20).'
  )
}

/**
 * Emits `CHANNELS_WRN_030` once when the installed better-sqlite3 is older
 * than 13 on Node 22 or later.
 * @internal
 */
export function checkSqliteDriver(): void {
  if (checked) return
  checked = true
  let version: string
  try {
    const require = createRequire(import.meta.url)
    version = (require('better-sqlite3/package.json') as { version: string }).version
  } catch {
    return
  }
  const problem = sqliteDriverProblem(process.versions.node, version)
  if (problem !== undefined) warn('CHANNELS_WRN_030', problem)
}
