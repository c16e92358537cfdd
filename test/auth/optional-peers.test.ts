import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const ENGINES = ['jose', 'better-sqlite3', 'pg', 'ioredis', 'mysql2', 'hash-wasm']
const IMPORT =
  /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm
/** Optional peers are loaded through `requirePeer()` / `importPeer()` (src/util/optional-peer.ts). */
const PEER = /\b(?:requirePeer|importPeer)<[^>]*>\(\s*['"]([^'"]+)['"]/g

/** Every package a module loads at run time, following its relative imports. */
function runtimePackages(entry: string): Set<string> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(IMPORT)) {
      const target = match[1] ?? match[2]!
      if (target.startsWith('.')) visit(join(dirname(file), target.replace(/\.js$/, '.ts')))
      else packages.add(target)
    }
    for (const match of text.matchAll(PEER)) packages.add(match[1]!)
  }
  visit(join(src, entry))
  return packages
}

describe('optional peers', () => {
  it.each([
    'sessions/index.ts',
    'auth/index.ts',
    'security/index.ts',
    'settings.ts',
    'layers/registry.ts',
    'django.ts',
  ])('%s loads no database, Redis or JWT package', (entry) => {
    const loaded = [...runtimePackages(entry)].filter((name) => ENGINES.includes(name))
    expect(loaded).toEqual([])
  })

  it.each([
    ['sqlite.ts', ['better-sqlite3']],
    ['postgres.ts', ['pg']],
    ['redis.ts', ['ioredis']],
    ['jwt.ts', ['jose']],
  ])('%s loads only its own engine', (entry, engines) => {
    const loaded = [...runtimePackages(entry)].filter((name) => ENGINES.includes(name))
    expect(loaded.sort()).toEqual(engines)
  })
})
