import { describe, expect, it } from 'vitest'

import {
  AllowedHostsOriginValidator,
  AuthMiddleware,
  CookieMiddleware,
  OriginValidator,
  ProtocolTypeRouter,
  URLRouter,
} from '../../src/index.js'
import { ImproperlyConfigured, RouteNotFound, UnknownScopeType } from '../../src/errors.js'
import type { Application, Message, Scope } from '../../src/types.js'
import { channelScope, websocketScope } from '../routing/recorder.js'

const receive = (): Promise<Message> => new Promise(() => {})
const send = (): Promise<void> => Promise.resolve()

/** An application that fails before it returns a promise, as a plain function can. */
const throwsAtOnce: Application = () => {
  throw new Error('inner failed at once')
}

/** Calls `app` and checks it hands back a rejected promise instead of throwing. */
async function failureOf(app: Application, scope: Scope): Promise<unknown> {
  let result: Promise<void> | undefined
  expect(() => {
    result = app(scope, receive, send)
  }).not.toThrow()
  expect(result).toBeInstanceOf(Promise)
  return result!.then(
    () => undefined,
    (error: unknown) => error,
  )
}

// These wrappers are plain functions rather than `async` ones (an async wrapper
// stays pending for a connection's whole life); a failure must still be a rejection.
describe('routers and middleware report failures as rejections', () => {
  it('ProtocolTypeRouter: an unknown scope type', async () => {
    const router = ProtocolTypeRouter({ websocket: throwsAtOnce })
    expect(await failureOf(router, channelScope('worker'))).toBeInstanceOf(UnknownScopeType)
  })

  it('URLRouter: a path no route matches', async () => {
    expect(await failureOf(URLRouter([]), websocketScope('/nowhere/'))).toBeInstanceOf(RouteNotFound)
  })

  it('AuthMiddleware: no session above it', async () => {
    expect(await failureOf(AuthMiddleware(throwsAtOnce), websocketScope('/'))).toBeInstanceOf(
      ImproperlyConfigured,
    )
  })

  it('CookieMiddleware, OriginValidator and AllowedHostsOriginValidator: an inner application that throws', async () => {
    const scope = websocketScope('/', { headers: [['origin', 'http://example.com']] })
    const apps = [
      CookieMiddleware(throwsAtOnce),
      OriginValidator(throwsAtOnce, ['*']),
      AllowedHostsOriginValidator(throwsAtOnce, { allowedHosts: ['example.com'], debug: false }),
    ]
    for (const app of apps) {
      expect(await failureOf(app, scope)).toMatchObject({ message: 'inner failed at once' })
    }
  })
})
