import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured } from '../../src/errors.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
import { SignedCookieSessionStore } from '../../src/sessions/signed-cookie-store.js'
import { runSessionStoreSuite } from './session-store-suite.js'

const SECRET = 'test-secret-key-that-is-long-enough-0123456789'

runSessionStoreSuite('SignedCookieSessionStore', {
  newStore: () => new SignedCookieSessionStore({ secretKey: SECRET }),
  skip: {
    'deletes a session, and deleting a missing one is not an error':
      'the data lives in the cookie; the middleware deletes the cookie instead',
  },
})

describe('SignedCookieSessionStore', () => {
  it('refuses a cookie whose data was changed', async () => {
    const store = new SignedCookieSessionStore({ secretKey: SECRET })
    const key = await store.save(null, { user: 'ada' }, new Date(Date.now() + 60_000))
    const [body, signature] = key.split('.')
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('ada', 'eve')).toString(
      'base64url',
    )
    expect(await store.load(`${forged}.${signature}`)).toBeNull()
  })

  it('refuses a cookie signed with another key', async () => {
    const a = new SignedCookieSessionStore({ secretKey: SECRET })
    const b = new SignedCookieSessionStore({ secretKey: `${SECRET}-other` })
    const key = await a.save(null, { n: 1 }, new Date(Date.now() + 60_000))
    expect(await b.load(key)).toBeNull()
  })

  it('throws ImproperlyConfigured without a secret key outside DEBUG', () => {
    configureSettings({}, { env: {} })
    try {
      expect(() => new SignedCookieSessionStore()).toThrow(ImproperlyConfigured)
      expect(() => new SignedCookieSessionStore()).toThrow(/SECRET_KEY/)
    } finally {
      resetSettings()
    }
  })
})
