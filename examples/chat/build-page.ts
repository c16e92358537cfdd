/**
 * Builds the chat page: type-checks `web/` and bundles it, with
 * `tschannels/client`, into `public/js/main.js` (one ES module, with its
 * source map). In the repository the package name points at the client's
 * sources, as it does for the tests; an application bundles the installed
 * package the same way.
 *
 *   npm run build:chat
 *
 * @module
 */

import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { buildSync } from 'esbuild'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** Type-checks and bundles the page. */
export function buildPage(): void {
  execFileSync(process.execPath, [here('../../node_modules/typescript/bin/tsc'), '-p', here('web')], {
    stdio: 'inherit',
    timeout: 120_000,
  })
  buildSync({
    entryPoints: [here('web/main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    alias: { 'tschannels/client': here('../../src/client/index.ts') },
    outfile: here('public/js/main.js'),
    logLevel: 'warning',
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildPage()
