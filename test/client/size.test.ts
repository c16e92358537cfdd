/**
 * The client's weight as a page pays for it: bundled, minified and gzipped.
 */

import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const ENTRY = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url))
const LIMIT = 5 * 1024

describe('tschannels/client', () => {
  it('is under 5 KB minified and gzipped, with no import left', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      write: false,
    })
    const code = result.outputFiles[0]!.text
    const gzipped = gzipSync(code, { level: 9 }).length
    console.info(`tschannels/client: ${code.length} bytes minified, ${gzipped} bytes gzipped`)
    expect(code).not.toMatch(/\bimport\s*[{(*"']/)
    expect(gzipped).toBeLessThan(LIMIT)
  })
})
