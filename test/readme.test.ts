/**
 * The README's example, verbatim, so the first code a newcomer reads keeps
 * working.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { resetChannelLayers } from '../src/layers/registry.js'
import type { Application } from '../src/types.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const blocks = [...readme.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((match) => match[1]!)

afterEach(() => resetChannelLayers())

describe('README', () => {
  it('has the application and the test snippets', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2)
    expect(blocks[0]).toContain('export const application')
    expect(blocks[1]).toContain('new WebsocketCommunicator(rooms')
  })

  it('runs its example application and its test as written', async () => {
    // The example imports 'tschannels'; the alias in vitest.config.ts resolves it to the sources.
    const dir = mkdtempSync(join(tmpdir(), 'tschannels-readme-'))
    const file = join(dir, 'app.ts')
    writeFileSync(file, blocks[0]!)
    const { application } = (await import(/* @vite-ignore */ file)) as { application: Application }
    expect(typeof application).toBe('function')
    // The test snippet becomes the body of a function in a module beside the app.
    const [imports, body] = splitImports(blocks[1]!)
    const testFile = join(dir, 'snippet.ts')
    writeFileSync(testFile, `${imports}\nexport async function run(): Promise<void> {\n${body}\n}\n`)
    const { run } = (await import(/* @vite-ignore */ testFile)) as { run: () => Promise<void> }
    await run()
  })
})

/** Separates a snippet's import lines from the rest. */
function splitImports(code: string): [string, string] {
  const lines = code.split('\n')
  const imports = lines.filter((line) => line.startsWith('import '))
  const rest = lines.filter((line) => !line.startsWith('import '))
  return [imports.join('\n'), rest.join('\n')]
}
