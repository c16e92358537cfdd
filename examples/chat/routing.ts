/**
 * The chat's routes, as an `asgi.py` would write them: the API and the page
 * over HTTP, the chat socket over WebSocket.
 *
 * @module
 */

import {
  AllowedHostsOriginValidator,
  AuthMiddlewareStack,
  ConnectionCapMiddleware,
  ProtocolTypeRouter,
  URLRouter,
  path,
  rePath,
} from 'tschannels'
import type { Application } from 'tschannels'
import { JwtAuthMiddleware } from 'tschannels/jwt'

import { LoginApi, LogoutApi, MeApi, RefreshApi, RegisterApi, TokenApi } from './api/account-api.js'
import { NotFoundApi } from './api/api-consumer.js'
import { HealthApi } from './api/health-api.js'
import { MessagesApi } from './api/messages-api.js'
import { ApiOriginCheck } from './api/origin-check.js'
import { CHAT_ROUTE, CLOSE_TOO_MANY_CONNECTIONS, ChatConsumer } from './chat-consumer.js'
import type { ChatServices } from './services.js'
import { StaticFiles } from './static-files.js'

/** Builds the application around `services`, serving the page from `publicDir`. */
export function chatApplication(services: ChatServices, publicDir: string): Application {
  const { config, store, users, tokens, slots } = services
  const { connectionsPerAddress, connectionsPerUser } = config.limits
  const o = { services }
  // Session cookie first; a token, when one is sent, takes precedence.
  const authenticated = (inner: Application, sources: ('header' | 'query' | 'cookie' | 'subprotocol')[]) =>
    AuthMiddlewareStack(JwtAuthMiddleware(inner, { ...tokens.verifyOptions, users, sources }), {
      store: store.sessions,
      users,
    })

  // Inside the auth stack, so it knows the user; 0 turns a cap off.
  const capped = (inner: Application): Application =>
    connectionsPerAddress === 0 && connectionsPerUser === 0
      ? inner
      : ConnectionCapMiddleware(inner, {
          store: slots,
          perAddress: connectionsPerAddress || null,
          perUser: connectionsPerUser || null,
          closeCode: CLOSE_TOO_MANY_CONNECTIONS,
        })

  const api = URLRouter([
    path('register', RegisterApi.asApp(o)),
    path('token', TokenApi.asApp(o)),
    path('token/refresh', RefreshApi.asApp(o)),
    path('login', LoginApi.asApp(o)),
    path('logout', LogoutApi.asApp(o)),
    path('me', MeApi.asApp(o)),
    rePath('^rooms/(?<room>[A-Za-z0-9_-]{1,64})/messages$', MessagesApi.asApp(o)),
    // Anything else under /api/ is a JSON 404, like every other API error.
    rePath('', NotFoundApi.asApp(o)),
  ])

  return ProtocolTypeRouter({
    http: URLRouter([
      path('healthz', HealthApi.asApp(o)),
      rePath('^api/', ApiOriginCheck(authenticated(api, ['header']), config.allowedHosts)),
      rePath('', StaticFiles.asApp({ root: publicDir, cache: new Map() })),
    ]),
    websocket: URLRouter([
      rePath(
        CHAT_ROUTE,
        AllowedHostsOriginValidator(
          authenticated(capped(ChatConsumer.asApp(o)), ['subprotocol', 'query', 'cookie', 'header']),
          config,
        ),
      ),
    ]),
  })
}
