import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { MissingPeerDependency } from '../../src/errors.js'
import { importPeer, requirePeer } from '../../src/util/optional-peer.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const hider = fileURLToPath(new URL('./fixtures/hide-peers.ts', import.meta.url))

/** Imports `entry` in a fresh Node with `hidden` made uninstalled; resolves with what the import threw. */
function importWithout(entry: string, hidden: string): Promise<Record<string, unknown>> {
  return runWithout(`await import(${JSON.stringify(entry)})`, hidden)
}

/** Runs `code` (an ES module body) in a fresh Node with `hidden` made uninstalled; resolves with what it threw. */
function runWithout(code: string, hidden: string): Promise<Record<string, unknown>> {
  const script =
    `try { ${code}; console.log(JSON.stringify({ loaded: true })) } ` +
    `catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, packageName: e.packageName, message: e.message })) }`
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', hider, '--input-type=module', '-e', script],
      { cwd: root, env: { ...process.env, HIDE_PEERS: hidden } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>)
      },
    )
  })
}

describe('optional peers', () => {
  describe('requirePeer', () => {
    it('throws MissingPeerDependency naming the package and the install command', () => {
      const error = (() => {
        try {
          requirePeer('tschannels-no-such-peer', 'tschannels/example')
        } catch (caught) {
          return caught
        }
      })()
      expect(error).toBeInstanceOf(MissingPeerDependency)
      expect(error).toMatchObject({
        code: 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY',
        packageName: 'tschannels-no-such-peer',
      })
      expect((error as Error).message).toContain('npm install tschannels-no-such-peer')
      expect((error as Error).message).toContain('tschannels/example')
    })

    it('returns an installed package', () => {
      expect(requirePeer<{ Redis: unknown }>('ioredis', 'tschannels/redis').Redis).toBeTypeOf('function')
    })
  })

  describe('importPeer', () => {
    it('rejects with MissingPeerDependency for a package that is not installed', async () => {
      await expect(importPeer('tschannels-no-such-peer', 'tschannels/jwt')).rejects.toMatchObject({
        code: 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY',
        packageName: 'tschannels-no-such-peer',
      })
    })
  })

  describe('each entry point, imported without its peer', { timeout: 60_000 }, () => {
    it.concurrent.each([
      ['src/redis.ts', 'ioredis'],
      ['src/layers/redis/index.ts', 'ioredis'],
      ['src/layers/redis/index.ts', '@msgpack/msgpack'],
      ['src/postgres.ts', 'pg'],
      ['src/sqlite.ts', 'better-sqlite3'],
      ['src/jwt.ts', 'jose'],
      ['src/metrics.ts', 'prom-client'],
    ])('%s without %s fails with MissingPeerDependency naming the package', async (entry, peer) => {
      expect(await importWithout(`./${entry}`, peer)).toMatchObject({
        code: 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY',
        packageName: peer,
        message: expect.stringContaining(`npm install ${peer}`) as unknown,
      })
    })
  })

  describe('each peer loaded on first use, when it is not installed', { timeout: 60_000 }, () => {
    const django = (url: string): string =>
      `const { openDjangoDatabase } = await import('./src/django.ts'); ` +
      `await openDjangoDatabase({ url: ${JSON.stringify(url)} }).query('SELECT 1')`
    it.concurrent.each([
      ['a PostgreSQL Django database', django('postgres://127.0.0.1:9/site'), 'pg'],
      ['a MariaDB/MySQL Django database', django('mysql://127.0.0.1:9/site'), 'mysql2'],
      ['a SQLite Django database', django('sqlite:///tmp/tschannels-missing-peer.sqlite3'), 'better-sqlite3'],
      [
        'an argon2 password hash',
        "const { Argon2Hasher } = await import('./src/django.ts'); await new Argon2Hasher().encode('pw')",
        'hash-wasm',
      ],
    ])('%s fails with MissingPeerDependency naming the package', async (_what, code, peer) => {
      expect(await runWithout(code, peer)).toMatchObject({
        code: 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY',
        packageName: peer,
        message: expect.stringContaining(`npm install ${peer}`) as unknown,
      })
    })
  })
})
