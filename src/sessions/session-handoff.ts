/**
 * Carrying a session created inside a WebSocket (a login) to the browser's
 * cookie: a WebSocket cannot set cookies after its handshake, so the
 * consumer hands the page a one-time code and the page redeems it over HTTP.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { Application, Scope } from '../types.js'
import { defaultSessionStore } from './default-store.js'
import { resolveSessionOptions, sessionCookie } from './session-options.js'
import type { SessionMiddlewareOptions } from './session-options.js'
import { isValidSessionKey } from './session-store.js'
import type { SessionStore } from './session-store.js'
import { serializeCookie } from './set-cookie.js'

const HANDOFF_FIELD = '_handoff_session_key'
const encoder = new TextEncoder()

/** Options of `createSessionHandoff`. */
export interface SessionHandoffCodeOptions {
  /** Seconds the code stays redeemable. @default 60 */
  ttlSeconds?: number
}

/**
 * Saves the scope's session and returns a one-time code, valid for a
 * minute, that `SessionHandoff` exchanges for the session cookie. Send it
 * to the page over the socket (never log it); the page POSTs it to the
 * handoff endpoint. Only the connection that logged in ever sees the code,
 * so the key rotation done by `login()` keeps its protection against
 * session fixation.
 *
 * @example
 * ```ts body=JsonWebsocketConsumer
 * const user = await authenticate(users, 'ada', 'correct horse battery staple')
 * if (user === null) return
 * await login(this.scope, user)
 * const code = await createSessionHandoff(this.scope)
 * await this.sendJson({ type: 'logged-in', handoff: code })
 * // page: await fetch('/session/handoff', { method: 'POST', body: code })
 * ```
 */
export async function createSessionHandoff(
  scope: Scope,
  options: SessionHandoffCodeOptions = {},
): Promise<string> {
  const session = scope.type === 'channel' ? undefined : scope.session
  if (session === undefined) {
    throw new ImproperlyConfigured(
      'createSessionHandoff() needs scope.session; wrap the consumer in SessionMiddlewareStack.',
    )
  }
  const ttl = options.ttlSeconds ?? 60
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw new ImproperlyConfigured('ttlSeconds must be a positive number.')
  await session.save()
  return session.store.save(null, { [HANDOFF_FIELD]: session.sessionKey }, new Date(Date.now() + ttl * 1000))
}

/**
 * An HTTP application that redeems a code from `createSessionHandoff`
 * (the request body, or `code=…` form-encoded) and answers 204 with the
 * session cookie, or 400 for an unknown, used or expired code. Give it the
 * same store and cookie options as the session middleware. Pair it with
 * `OriginValidator` so other sites cannot call it.
 *
 * @example
 * ```ts
 * const store = new InMemorySessionStore()
 * URLRouter([path('session/handoff', OriginValidator(SessionHandoff({ store }), ['https://chat.example.com']))])
 * ```
 */
export function SessionHandoff(options: SessionMiddlewareOptions = {}): Application {
  const config = resolveSessionOptions(options)

  return async function SessionHandoff(scope, receive, send) {
    if (scope.type !== 'http') {
      throw new ImproperlyConfigured('SessionHandoff answers HTTP requests only; route it under http.')
    }
    // Read per request, as SessionMiddleware reads it, so both see the same store.
    const store: SessionStore = options.store ?? defaultSessionStore()
    const body = await readBody(receive)
    const code = body.startsWith('code=') ? (new URLSearchParams(body).get('code') ?? '') : body.trim()
    const data = scope.method === 'POST' && isValidSessionKey(code) ? await store.load(code) : null
    const target = data?.[HANDOFF_FIELD]
    if (typeof target !== 'string') {
      await send({ type: 'http.response.start', status: 400, headers: [['content-type', 'text/plain']] })
      await send({ type: 'http.response.body', body: encoder.encode('Unknown or expired handoff code.') })
      return
    }
    // One use only: the code is gone before the cookie leaves.
    await store.delete(code)
    const cookie = sessionCookie(config, scope)
    await send({
      type: 'http.response.start',
      status: 204,
      headers: [
        ['set-cookie', serializeCookie(config.cookieName, target, cookie)],
        ['cache-control', 'no-store'],
      ],
    })
    await send({ type: 'http.response.body' })
  }
}

async function readBody(receive: Parameters<Application>[1]): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const event = await receive()
    if (event.type !== 'http.request') break
    const chunk = (event as { body?: Uint8Array }).body
    if (chunk !== undefined) {
      size += chunk.byteLength
      // A code is 32 characters; anything large is not one.
      if (size > 1024) return ''
      chunks.push(chunk)
    }
    if ((event as { moreBody?: boolean }).moreBody !== true) break
  }
  return Buffer.concat(chunks).toString('utf8')
}
