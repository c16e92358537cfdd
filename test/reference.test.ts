/**
 * docs/reference.md promises "everything public, by entry point": every
 * runtime export of every subpath in package.json must be named there, and
 * every subpath must have its row.
 */

import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

const reference = readFileSync(new URL('../docs/reference.md', import.meta.url), 'utf8')
/** The error classes have their own page, which the reference links to. */
const errorsPage = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>
}

const entryPoints = Object.keys(manifest.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'tschannels' : `tschannels/${subpath.slice(2)}`))

describe('docs/reference.md', () => {
  it('has a row for every entry point in package.json', () => {
    for (const entry of entryPoints) expect(reference, entry).toContain(`| \`${entry}\``)
  })

  it.each(entryPoints)('names every runtime export of %s', async (entry) => {
    // The aliases in vitest.config.ts resolve each entry point to its source.
    const module = (await import(entry)) as Record<string, unknown>
    const names = Object.keys(module)
    expect(names.length).toBeGreaterThan(0)
    const documented = (name: string): boolean =>
      new RegExp(`\\b${name}\\b`).test(reference) || errorsPage.includes(`\`${name}\``)
    const missing = names.filter((name) => !documented(name))
    expect(missing, `${entry} exports not in docs/reference.md`).toEqual([])
  })
})
