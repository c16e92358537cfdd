import { afterEach, describe, expect, it } from 'vitest'

import { DjangoSite } from '../../src/django/django-site.js'
import { dumps, loads } from '../../src/django/signing.js'
import { BadSignature } from '../../src/errors.js'
import { configureSettings, getSettings, resetSettings } from '../../src/settings.js'

const KEY = 'django-insecure-settings-key-0123456789abcdefghijklmnopqrs'
const OLD = 'django-insecure-settings-old-0123456789abcdefghijklmnopqrs'

afterEach(() => resetSettings())

describe('Django settings from the environment', () => {
  it('reads SECRET_KEY_FALLBACKS as a JSON list or comma-separated', () => {
    expect(
      configureSettings({}, { env: { SECRET_KEY_FALLBACKS: JSON.stringify([OLD, 'a,b']) } })
        .secretKeyFallbacks,
    ).toEqual([OLD, 'a,b'])
    expect(
      configureSettings({}, { env: { SECRET_KEY_FALLBACKS: `${OLD}, other` } }).secretKeyFallbacks,
    ).toEqual([OLD, 'other'])
    expect(() => configureSettings({}, { env: { SECRET_KEY_FALLBACKS: '[1]' } })).toThrow(
      /SECRET_KEY_FALLBACKS/,
    )
  })

  it('reads SESSION_COOKIE_NAME and SESSION_ENGINE', () => {
    const settings = configureSettings(
      {},
      {
        env: {
          SESSION_COOKIE_NAME: 'dj_sid',
          SESSION_ENGINE: 'django.contrib.sessions.backends.signed_cookies',
        },
      },
    )
    expect(settings.sessionCookieName).toBe('dj_sid')
    expect(settings.sessionEngine).toBe('django.contrib.sessions.backends.signed_cookies')
  })

  it('signing and DjangoSite take SECRET_KEY, its fallbacks, SESSION_ENGINE and DATABASE_URL from the settings', async () => {
    configureSettings(
      {},
      {
        env: {
          SECRET_KEY: KEY,
          SECRET_KEY_FALLBACKS: OLD,
          SESSION_ENGINE: 'django.contrib.sessions.backends.signed_cookies',
          DATABASE_URL: 'sqlite:///unused.sqlite3',
        },
      },
    )
    expect(loads(dumps('x', { key: OLD }))).toBe('x')
    expect(loads(dumps('y'))).toBe('y')
    expect(() =>
      loads(dumps('z', { key: 'django-insecure-unknown-0123456789abcdefghijklmnopqrstu' })),
    ).toThrow(BadSignature)
    const site = new DjangoSite()
    expect(site.sessionEngine).toBe('signed_cookies')
    expect(site.database.vendor).toBe('sqlite')
    expect(getSettings().databaseUrl).toBe('sqlite:///unused.sqlite3')
    await site.close()
  })

  it('a SESSION_ENGINE of cache in the environment fails at start-up', () => {
    configureSettings(
      {},
      {
        env: {
          SECRET_KEY: KEY,
          SESSION_ENGINE: 'django.contrib.sessions.backends.cache',
          DATABASE_URL: 'sqlite:///x',
        },
      },
    )
    expect(() => new DjangoSite()).toThrow(/cached_db/)
  })
})
