/**
 * `npm install` on a fresh clone must leave package-lock.json alone. It
 * rewrites the lock's entry for the package itself whenever that entry no
 * longer says what package.json says (a peer range edited in one and not
 * the other did exactly that), so the two must agree field by field.
 */

import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

type Manifest = Record<string, unknown> & { bin?: Record<string, string> }

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, Manifest>
}

/** The fields npm copies from package.json into the lock's root entry. */
const FIELDS = [
  'name',
  'version',
  'license',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'engines',
]

describe('package-lock.json', () => {
  it('records the package itself exactly as package.json declares it', () => {
    const root = lock.packages['']!
    for (const field of FIELDS) expect(root[field], field).toEqual(manifest[field])
    // npm writes bin paths without their leading './'.
    const bin = Object.fromEntries(
      Object.entries(manifest.bin ?? {}).map(([name, path]) => [name, path.replace(/^\.\//, '')]),
    )
    expect(root.bin).toEqual(bin)
  })
})
