import { afterEach, describe, expect, it } from 'vitest'

import { ImproperlyConfigured } from '../src/errors.js'
import { configureSettings, getSettings, requireSecretKey, resetSettings } from '../src/settings.js'

const SECRET = 'a-secret-key-of-more-than-thirty-two-characters'

afterEach(() => resetSettings())

describe('settings', () => {
  describe('#configureSettings', () => {
    it('uses the defaults when nothing is given', () => {
      const settings = configureSettings({}, { env: {} })
      expect(settings).toMatchObject({ allowedHosts: [], debug: false, port: 8000, host: '127.0.0.1' })
      expect(settings.secretKey).toBeUndefined()
    })

    it('takes values from code', () => {
      const settings = configureSettings(
        { allowedHosts: ['example.com'], debug: true, port: 9000 },
        { env: {} },
      )
      expect(settings).toMatchObject({ allowedHosts: ['example.com'], debug: true, port: 9000 })
    })

    it('lets the environment override the values from code', () => {
      const settings = configureSettings(
        { allowedHosts: ['code.example.com'], port: 9000, secretKey: SECRET },
        {
          env: {
            ALLOWED_HOSTS: 'a.example.com, .b.example.com',
            DEBUG: 'true',
            PORT: '8123',
            HOST: '0.0.0.0',
            REDIS_URL: 'redis://r:6379',
            DATABASE_URL: 'postgres://db/test',
            SECRET_KEY: `${SECRET}-from-env`,
          },
        },
      )
      expect(settings).toMatchObject({
        allowedHosts: ['a.example.com', '.b.example.com'],
        debug: true,
        port: 8123,
        host: '0.0.0.0',
        redisUrl: 'redis://r:6379',
        databaseUrl: 'postgres://db/test',
        secretKey: `${SECRET}-from-env`,
      })
    })

    it('refuses an unreadable DEBUG or PORT, naming the variable', () => {
      expect(() => configureSettings({}, { env: { DEBUG: 'maybe' } })).toThrow(/DEBUG/)
      expect(() => configureSettings({}, { env: { PORT: 'http' } })).toThrow(ImproperlyConfigured)
      expect(() => configureSettings({}, { env: { PORT: '70000' } })).toThrow(/PORT/)
    })

    it('refuses a secret key too short to be safe', () => {
      expect(() => configureSettings({ secretKey: 'short' }, { env: {} })).toThrow(/at least 32/)
    })

    it('returns a frozen object', () => {
      const settings = configureSettings({}, { env: {} })
      expect(Object.isFrozen(settings)).toBe(true)
      expect(Object.isFrozen(settings.allowedHosts)).toBe(true)
    })
  })

  describe('#getSettings', () => {
    it('returns what configureSettings set, until resetSettings', () => {
      const configured = configureSettings({ port: 1234 }, { env: {} })
      expect(getSettings()).toBe(configured)
      resetSettings()
      expect(getSettings()).not.toBe(configured)
    })
  })

  describe('#requireSecretKey', () => {
    it('returns the configured key', () => {
      configureSettings({ secretKey: SECRET }, { env: {} })
      expect(requireSecretKey('Sessions')).toBe(SECRET)
    })

    it('throws ImproperlyConfigured saying how to set one when missing outside DEBUG', () => {
      configureSettings({}, { env: {} })
      expect(() => requireSecretKey('Sessions')).toThrow(ImproperlyConfigured)
      expect(() => requireSecretKey('Sessions')).toThrow(/SECRET_KEY environment variable/)
    })

    it('makes one random key per process in DEBUG, with a warning', () => {
      configureSettings({ debug: true }, { env: {} })
      const first = requireSecretKey('Sessions')
      expect(first.length).toBeGreaterThanOrEqual(32)
      expect(requireSecretKey('Sessions')).toBe(first)
    })
  })
})
