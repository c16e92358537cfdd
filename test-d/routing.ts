/**
 * Type tests for routing and BaseMiddleware, checked by `npm run test:types`.
 *
 * @module
 */

import { BaseMiddleware } from '../src/middleware/index.js'
import { ChannelNameRouter, path, ProtocolTypeRouter, rePath, URLRouter } from '../src/routing/index.js'
import type { PathKwargs, Route } from '../src/routing/index.js'
import type { Application } from '../src/types.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_ok: T): void => {}

declare const app: Application

// PathKwargs reads the converters out of the route.
expectType<Equal<PathKwargs<'rooms/<int:id>/'>, { id: number }>>(true)
expectType<
  Equal<PathKwargs<'<slug:org>/<uuid:key>/<path:rest>'>, { org: string; key: string; rest: string }>
>(true)
expectType<Equal<PathKwargs<'<name>/<str:other>/'>, { name: string; other: string }>>(true)
expectType<Equal<keyof PathKwargs<'static/'>, never>>(true)
expectType<Equal<PathKwargs<string>, Record<string, unknown>>>(true)

// Routers are applications; routes are Routes.
const route: Route = path('rooms/<int:id>/', app)
const routes: Route[] = [route, rePath(/^x\/$/, app), rePath('^(?P<room>\\w+)/$', app, { extra: 1 })]
const router: Application = URLRouter(routes)
const top: Application = ProtocolTypeRouter({ websocket: router, channel: ChannelNameRouter({ work: app }) })
void top

// A route string only known at run time is accepted.
declare const dynamicRoute: string
path(dynamicRoute, app)

// @ts-expect-error 'float' is not a converter.
path('rooms/<float:x>/', app)

// @ts-expect-error a default kwarg must have the type its converter gives.
path('rooms/<int:id>/', app, { id: 'seven' })
path('rooms/<int:id>/', app, { id: 7, other: 'anything' })

// @ts-expect-error ProtocolTypeRouter only knows http, websocket and channel.
ProtocolTypeRouter({ lifespan: app })

class ChatConsumer {}
// @ts-expect-error a consumer class is not an application; pass ChatConsumer.asApp().
path('chat/', ChatConsumer)

// A BaseMiddleware subclass becomes an application through wrap() or asApp().
class QueryAuthMiddleware extends BaseMiddleware {}
const wrapped: Application = QueryAuthMiddleware.wrap(router)
const viaInstance: Application = new QueryAuthMiddleware(router).asApp()
void wrapped
void viaInstance

// @ts-expect-error BaseMiddleware itself is abstract.
BaseMiddleware.wrap(router)

class WithOptions extends BaseMiddleware {
  constructor(
    inner: Application,
    readonly header: string,
  ) {
    super(inner)
  }
}
// @ts-expect-error wrap() needs a constructor that takes only the inner application.
WithOptions.wrap(router)
new WithOptions(router, 'x-tenant').asApp()
