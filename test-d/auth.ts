/**
 * Type tests for sessions, authentication and security: the stacks are
 * applications, and the scope fields they add are typed for consumers.
 */

import {
  AllowedHostsOriginValidator,
  AuthMiddlewareStack,
  OriginValidator,
  SessionMiddlewareStack,
  URLRouter,
  WebsocketConsumer,
  path,
} from 'tschannels'
import type { AnyUser, Application, Session } from 'tschannels'

class Profile extends WebsocketConsumer {
  override async connect(): Promise<void> {
    // The middleware's fields are part of the scope type, optional because
    // a consumer may run without the middleware.
    const session: Session | undefined = this.scope.session
    const user: AnyUser | undefined = await this.scope.user
    if (user?.isAuthenticated !== true || session === undefined) return this.close(4401)
    // @ts-expect-error: the user is read-only; log in with login().
    this.scope.user = undefined
    await this.accept()
  }
}

const routes = URLRouter([path('ws/profile/', Profile.asApp())])
const stacked: Application = AllowedHostsOriginValidator(AuthMiddlewareStack(routes))
const sessionsOnly: Application = SessionMiddlewareStack(routes)
const origins: Application = OriginValidator(routes, ['https://example.com', '.example.org'])

// @ts-expect-error: OriginValidator needs the list of allowed origins.
OriginValidator(routes)

void [stacked, sessionsOnly, origins]
