import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it, onTestFinished } from 'vitest'

import { ImproperlyConfigured } from 'tschannels'

import { DEFAULT_ALLOWED_HOSTS, DEFAULT_LIMITS, loadConfig } from '../config.js'

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

  it('reads SESSION_COOKIE_SECURE: auto by default, or a boolean', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).sessionCookieSecure).toBe('auto')
    expect(loadConfig({ DATA_DIR: tempDir(), SESSION_COOKIE_SECURE: 'yes' }).sessionCookieSecure).toBe(true)
    expect(loadConfig({ DATA_DIR: tempDir(), SESSION_COOKIE_SECURE: '0' }).sessionCookieSecure).toBe(false)
    expect(() => loadConfig({ DATA_DIR: tempDir(), SESSION_COOKIE_SECURE: 'maybe' })).toThrow(
      ImproperlyConfigured,
    )
  })

  it('refuses a DATABASE_URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: 'mysql://x' })).toThrow(ImproperlyConfigured)
  })

  it('has the documented limits when no CHAT_* variable is set', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).limits).toEqual({
      connectionsPerAddress: 50,
      connectionsPerUser: 10,
      registrationsPerAddress: 10,
      registrationWindow: 3600,
      loginFailuresPerUser: 5,
      loginFailuresPerAddress: 20,
      loginWindow: 900,
      floodRate: 20,
      floodBurst: 20,
      floodCloseAfter: 5,
    })
    expect(DEFAULT_LIMITS.connectionsPerAddress).toBe(50)
  })

  it('reads every limit from its CHAT_* variable, 0 turning a count off', () => {
    const config = loadConfig({
      DATA_DIR: tempDir(),
      CHAT_CONNECTIONS_PER_ADDRESS: '0',
      CHAT_CONNECTIONS_PER_USER: '3',
      CHAT_REGISTRATIONS_PER_ADDRESS: '100',
      CHAT_REGISTRATION_WINDOW: '60',
      CHAT_LOGIN_FAILURES_PER_USER: '7',
      CHAT_LOGIN_FAILURES_PER_ADDRESS: ' 30 ',
      CHAT_LOGIN_WINDOW: '600',
      CHAT_FLOOD_RATE: '0',
      CHAT_FLOOD_BURST: '40',
      CHAT_FLOOD_CLOSE_AFTER: '10',
    })
    expect(config.limits).toEqual({
      connectionsPerAddress: 0,
      connectionsPerUser: 3,
      registrationsPerAddress: 100,
      registrationWindow: 60,
      loginFailuresPerUser: 7,
      loginFailuresPerAddress: 30,
      loginWindow: 600,
      floodRate: 0,
      floodBurst: 40,
      floodCloseAfter: 10,
    })
  })

  it('refuses a limit that is not a whole number, or 0 where 0 cannot mean off, naming the variable', () => {
    for (const [name, value] of [
      ['CHAT_CONNECTIONS_PER_USER', '-1'],
      ['CHAT_CONNECTIONS_PER_ADDRESS', '2.5'],
      ['CHAT_REGISTRATIONS_PER_ADDRESS', 'lots'],
      ['CHAT_LOGIN_WINDOW', '0'],
      ['CHAT_FLOOD_BURST', '0'],
    ] as const) {
      expect(() => loadConfig({ DATA_DIR: tempDir(), [name]: value }), name).toThrow(
        expect.objectContaining({
          name: 'ImproperlyConfigured',
          message: expect.stringContaining(name) as unknown,
        }),
      )
    }
  })
})
