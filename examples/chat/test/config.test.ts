import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it, onTestFinished } from 'vitest'

import { ImproperlyConfigured } from 'tschannels'

import { DEFAULT_ALLOWED_HOSTS, loadConfig } from '../config.js'

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-config-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('loadConfig', () => {
  it('uses the embedded defaults: local hosts, SQLite in DATA_DIR, no Redis, DEBUG off', () => {
    const dir = tempDir()
    const config = loadConfig({ DATA_DIR: dir })
    expect(config).toMatchObject({
      allowedHosts: DEFAULT_ALLOWED_HOSTS,
      debug: false,
      redisUrl: undefined,
      databaseUrl: undefined,
      dataDir: dir,
    })
    expect(DEFAULT_ALLOWED_HOSTS).toEqual(['127.0.0.1', 'localhost'])
  })

  it('generates a secret key on first run, keeps it private in DATA_DIR and reuses it', () => {
    const dir = tempDir()
    const first = loadConfig({ DATA_DIR: join(dir, 'nested') })
    expect(first.secretKey.length).toBeGreaterThanOrEqual(48)
    const file = join(dir, 'nested', 'secret_key')
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey)
    expect(statSync(file).mode & 0o077).toBe(0)
    expect(loadConfig({ DATA_DIR: join(dir, 'nested') }).secretKey).toBe(first.secretKey)
  })

  it('reads SECRET_KEY, ALLOWED_HOSTS, DEBUG, REDIS_URL and DATABASE_URL from the environment', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      SECRET_KEY: 's'.repeat(40),
      ALLOWED_HOSTS: ' chat.example.com, .example.org ,',
      DEBUG: 'true',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      DATABASE_URL: 'postgres://chat@db/chat',
    })
    expect(config).toMatchObject({
      secretKey: 's'.repeat(40),
      allowedHosts: ['chat.example.com', '.example.org'],
      debug: true,
      redisUrl: 'redis://127.0.0.1:6379/0',
      databaseUrl: 'postgres://chat@db/chat',
    })
  })

  it('refuses a DATABASE_URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: 'mysql://x' })).toThrow(ImproperlyConfigured)
  })
})
