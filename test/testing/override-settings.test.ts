/**
 * Settings are read as each connection starts, so a stack built once at
 * import time follows `configureSettings()` in a `beforeEach` and
 * `overrideSettings()`; and `overrideSettings()` always puts back what it found.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { AllowedHostsOriginValidator } from '../../src/security/origin-validator.js'
import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { SessionMiddlewareStack } from '../../src/sessions/session-middleware.js'
import { configureSettings, getSettings, resetSettings } from '../../src/settings.js'
import { overrideSettings } from '../../src/testing/override-settings.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { WebsocketScope } from '../../src/types.js'

class Accepting extends WebsocketConsumer {}

/** Sends the session's `name` as its first frame. */
class SessionEcho extends WebsocketConsumer {
  override async connect(): Promise<void> {
    await this.accept()
    const session = (this.scope as WebsocketScope & { session: { get(key: string): unknown } }).session
    await this.send({ text: String(session.get('name') ?? 'nobody') })
  }
}

// Built once, at import, before any test configures anything: as an application module is.
const validated = AllowedHostsOriginValidator(Accepting.asApp())
const withSession = SessionMiddlewareStack(SessionEcho.asApp())

const fromChat = (): WebsocketCommunicator =>
  new WebsocketCommunicator(validated, '/ws/', { headers: [['origin', 'https://chat.example.com']] })

afterEach(() => resetSettings())

describe('settings read as each connection starts', () => {
  describe('configureSettings() in beforeEach', () => {
    beforeEach(() => void configureSettings({ allowedHosts: ['chat.example.com'] }, { env: {} }))

    it('reaches an AllowedHostsOriginValidator built at import time', async () => {
      expect(await fromChat().connect()).toMatchObject({ connected: true })
    })
  })

  it('gives SessionMiddleware the store of the settings in force, not the first one it saw', async () => {
    configureSettings({ debug: true }, { env: {} })
    const first = new WebsocketCommunicator(withSession, '/', { headers: [['cookie', 'sessionid=x']] })
    await first.connect()
    expect(await first.receiveFrom()).toBe('nobody')
    const store = new InMemorySessionStore()
    const key = await store.save(null, { name: 'ada' }, new Date(Date.now() + 60_000))
    await overrideSettings({ sessionStore: store }, async () => {
      const client = new WebsocketCommunicator(withSession, '/', {
        headers: [['cookie', `sessionid=${key}`]],
      })
      await client.connect()
      expect(await client.receiveFrom()).toBe('ada')
    })
  })
})

describe('overrideSettings', () => {
  it('applies the override inside fn and restores the settings after it', async () => {
    configureSettings({ allowedHosts: ['before.example.com'] }, { env: {} })
    const before = getSettings()
    const result = await overrideSettings({ allowedHosts: ['chat.example.com'] }, async () => {
      expect(getSettings()).toMatchObject({ allowedHosts: ['chat.example.com'] })
      return (await fromChat().connect()).connected
    })
    expect(result).toBe(true)
    expect(getSettings()).toBe(before)
    expect(await fromChat().connect()).toMatchObject({ connected: false, closeCode: 1000 })
  })

  it('keeps the settings it does not name', () => {
    configureSettings({ allowedHosts: ['a.example.com'], port: 9001 }, { env: {} })
    overrideSettings({ debug: true }, () => {
      expect(getSettings()).toMatchObject({ allowedHosts: ['a.example.com'], port: 9001, debug: true })
    })
  })

  it('restores the settings when fn throws, sync or async', async () => {
    configureSettings({ port: 9002 }, { env: {} })
    const before = getSettings()
    expect(() =>
      overrideSettings({ port: 1 }, () => {
        throw new Error('sync')
      }),
    ).toThrow('sync')
    expect(getSettings()).toBe(before)
    await expect(overrideSettings({ port: 1 }, () => Promise.reject(new Error('async')))).rejects.toThrow(
      'async',
    )
    expect(getSettings()).toBe(before)
  })

  it('returns a handle that restores, once, for afterEach or onTestFinished', () => {
    configureSettings({ port: 9003 }, { env: {} })
    const before = getSettings()
    const outer = overrideSettings({ port: 1 })
    const inner = overrideSettings({ port: 2 })
    expect(getSettings().port).toBe(2)
    inner.restore()
    expect(getSettings().port).toBe(1)
    outer[Symbol.dispose]()
    outer.restore()
    expect(getSettings()).toBe(before)
  })

  it('leaves no settings behind when none had been read, so the environment is read afresh', () => {
    resetSettings()
    const override = overrideSettings({ port: 1 })
    override.restore()
    process.env.PORT = '9004'
    try {
      expect(getSettings().port).toBe(9004)
    } finally {
      delete process.env.PORT
    }
  })

  it('checks the values as configureSettings does, and changes nothing when they are bad', () => {
    configureSettings({ port: 9005 }, { env: {} })
    const before = getSettings()
    expect(() => overrideSettings({ port: -1 })).toThrow(ImproperlyConfigured)
    expect(() => overrideSettings({ allowedHosts: ['example.com/path'] })).toThrow(ImproperlyConfigured)
    expect(getSettings()).toBe(before)
  })
})
