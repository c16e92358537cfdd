/**
 * The placeholders a documentation sample may use without declaring them,
 * the way a reader takes them: "your router", "your consumer", "your user
 * store". Everything else a sample uses it declares or imports itself
 * (imports of the package's entry points may be left out). The list is
 * documented in docs/reference.md, "Code samples"; keep it short.
 *
 * @module
 */

import type {
  afterAll as AfterAll,
  afterEach as AfterEach,
  beforeAll as BeforeAll,
  beforeEach as BeforeEach,
  describe as Describe,
  expect as Expect,
  it as It,
  test as Test,
} from 'vitest'

import type {
  Application,
  AuthenticatedUser,
  ChannelLayer,
  Consumer,
  Route,
  UserStore,
  WebsocketConsumer,
  WebsocketScope,
} from 'tschannels'

declare global {
  /** An application: a router, a consumer's `asApp()`, a middleware stack. */
  const app: Application
  /** Your `URLRouter(...)`. */
  const router: Application
  /** Your whole application, as `ProtocolTypeRouter(...)` returns it. */
  const application: Application
  /** Your list of `path()`/`rePath()` routes. */
  const routes: Route[]
  /** Your WebSocket routes. */
  const websocketRoutes: Route[]
  /** Your WebSocket consumers. */
  class ChatConsumer extends WebsocketConsumer {}
  class RoomConsumer extends WebsocketConsumer {}
  class EchoConsumer extends WebsocketConsumer {}
  /** Your worker consumer. */
  class ThumbnailConsumer extends Consumer {}
  /** Your user store. */
  const users: UserStore
  /** A channel layer, as `getChannelLayer()!` returns it. */
  const layer: ChannelLayer
  /** A logged-in user, as `await scope.user` gives it. */
  const user: AuthenticatedUser
  /** The connection's scope, as a consumer sees it (`this.scope`). */
  const scope: WebsocketScope
  /** A secret key (`SECRET_KEY`). */
  const secret: string
  /** A token a client sent. */
  const token: string
  // The test functions of vitest, as a test file imports them.
  const expect: typeof Expect
  const it: typeof It
  const test: typeof Test
  const describe: typeof Describe
  const beforeEach: typeof BeforeEach
  const afterEach: typeof AfterEach
  const beforeAll: typeof BeforeAll
  const afterAll: typeof AfterAll
}
