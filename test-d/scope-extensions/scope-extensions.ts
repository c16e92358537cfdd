/**
 * Type tests for scope extensions: an application's own middleware adds
 * `scope.user` of the application's own type and `scope.tenant`, declared in
 * `ScopeExtensions`, without clashing with the built-in `user` field.
 * test/declarations.test.ts compiles it against the built package, as an
 * application is compiled: the declaration holds for its whole program.
 */

import { BaseMiddleware, ProtocolTypeRouter, URLRouter, WebsocketConsumer, path } from 'tschannels'
import type { Application, ChannelScope, Scope, Session, WebsocketScope } from 'tschannels'

interface Account {
  id: number
  name: string
}

declare module 'tschannels' {
  interface ScopeExtensions {
    user?: Account
    tenant?: string
  }
}

declare const accounts: { find(id: number): Promise<Account | undefined> }

// The class form: populateScope() writes the fields on its own copy of the scope.
class QueryAuthMiddleware extends BaseMiddleware {
  protected override async populateScope(scope: Scope): Promise<void> {
    if (scope.type === 'channel') return
    scope.user = await accounts.find(Number(new URLSearchParams(scope.queryString).get('user')))
    scope.tenant = scope.headers.find(([name]) => name === 'x-tenant')?.[1]
  }
}

// The function form: a copy with the fields added.
function TenantMiddleware(inner: Application): Application {
  return async function TenantMiddleware(scope, receive, send) {
    return inner({ ...scope, tenant: 'acme' }, receive, send)
  }
}

class Profile extends WebsocketConsumer {
  override async connect(): Promise<void> {
    // The application's own types, not the built-in LazyUser.
    const user: Account | undefined = this.scope.user
    const tenant: string | undefined = this.scope.tenant
    // Built-in fields not redeclared keep their types.
    const session: Session | undefined = this.scope.session
    void session
    if (user === undefined || tenant === undefined) return this.close(4401)
    // @ts-expect-error: an Account has no isAuthenticated; the field is the application's type now.
    void user.isAuthenticated
    // @ts-expect-error: tenant is a string.
    const wrong: number = this.scope.tenant
    void wrong
    await this.accept()
  }
}

// A consumer behind the middleware may make the fields required for itself.
class TenantOnly extends WebsocketConsumer {
  declare scope: WebsocketScope & { tenant: string }
  override async connect(): Promise<void> {
    const tenant: string = this.scope.tenant
    await this.accept()
    await this.send({ text: tenant })
  }
}

// @ts-expect-error: the fields are typed on every scope; a user is an Account.
const badScope: ChannelScope = { type: 'channel', channel: 'x', user: 'ann' }
void badScope

export const application = ProtocolTypeRouter({
  websocket: QueryAuthMiddleware.wrap(
    TenantMiddleware(URLRouter([path('ws/profile/', Profile.asApp()), path('ws/t/', TenantOnly.asApp())])),
  ),
})
