/**
 * Loads the application the CLI serves from `path/to/module.js#export`
 * (the export defaults to `application`, as Django's `asgi.py` names it).
 * Paths resolve against the current directory; `.ts` modules load when the
 * process runs under a TypeScript loader such as tsx.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application } from '../types.js'

/** The export name used when the target has no `#name`. */
export const DEFAULT_EXPORT = 'application'

// Errors thrown while the user's module was imported (a syntax error, a bad
// import, a throw at top level), as opposed to our own checks: the CLI lets
// Node print them, since only Node can show where a syntax error is.
const importFailures = new WeakSet<object>()

/** True when `error` was thrown by importing the application module itself. @internal */
export function isImportFailure(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && importFailures.has(error)
}

/** Splits `module#export` into a file path and an export name. @internal */
export function parseTarget(target: string): { file: string; exportName: string } {
  const hash = target.lastIndexOf('#')
  const file = hash === -1 ? target : target.slice(0, hash)
  const exportName = hash === -1 ? DEFAULT_EXPORT : target.slice(hash + 1)
  if (!file) throw new ImproperlyConfigured(`'${target}' names no module; use path/to/module.js#export.`)
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new ImproperlyConfigured(`'${exportName}' is not a valid export name in '${target}'.`)
  }
  return { file, exportName }
}

/**
 * Imports the module and returns the named export, checked to be a function.
 *
 * @throws ImproperlyConfigured when the file, the export or a TypeScript loader is missing.
 * @internal
 */
export async function loadApplication(target: string, cwd = process.cwd()): Promise<Application> {
  const { file, exportName } = parseTarget(target)
  const path = resolve(cwd, file)
  if (!existsSync(path))
    throw new ImproperlyConfigured(`Cannot find the module '${file}' (looked at ${path}).`)
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && ['.ts', '.mts', '.cts'].includes(extname(path))) {
      throw new ImproperlyConfigured(
        `'${file}' is TypeScript: run the CLI under a loader (npx tsx node_modules/.bin/tschannels …, or node --import tsx), or build it first.`,
        { cause: error },
      )
    }
    const failure = error instanceof Error ? error : new Error(String(error))
    importFailures.add(failure)
    throw failure
  }
  const app = module[exportName]
  if (typeof app !== 'function') {
    const found = Object.keys(module).join(', ') || 'nothing'
    throw new ImproperlyConfigured(
      `'${file}' has no application function exported as '${exportName}' (it exports: ${found}). ` +
        `Name it with module#export.`,
    )
  }
  // A consumer class would start serving and answer every request with 500.
  assertApplication(app, `'${file}#${exportName}'`)
  return app
}
