/**
 * `BaseMiddleware`: the class to subclass for middleware that adds to the
 * scope, as Channels' `BaseMiddleware` is.
 *
 * @module
 */

import { assertApplication } from '../routing/assert-application.js'
import type { Application, Receive, Scope, Send } from '../types.js'

/**
 * A base for middleware written as a class. Every call copies the scope, lets
 * `populateScope()` add to the copy, and runs the inner application with it,
 * so a change never leaks to the middleware and routers outside: **middleware
 * copies the scope and never mutates the one it was given**. Override
 * `populateScope()` to add fields; override `call()` (and call `super.call`)
 * to wrap `receive` or `send`. `asApp()`, or `MyMiddleware.wrap(inner)`,
 * turns an instance into an `Application`.
 *
 * One instance serves every connection at once, so keep per-connection state
 * in the scope, never on `this`.
 *
 * Declare the fields your middleware adds in `ScopeExtensions`; a field
 * declared there replaces the built-in field of the same name, so your own
 * `user` type does not clash with the `LazyUser` that `AuthMiddleware` sets.
 *
 * @example
 * ```ts
 * interface Account {
 *   id: number
 *   name: string
 * }
 * declare const accounts: Map<number, Account>
 *
 * declare module 'tschannels' {
 *   interface ScopeExtensions {
 *     user?: Account
 *   }
 * }
 *
 * // Insecure, like the Channels example it mirrors: the user id is taken from the query string.
 * class QueryAuthMiddleware extends BaseMiddleware {
 *   protected override async populateScope(scope: Scope): Promise<void> {
 *     if (scope.type !== 'channel') scope.user = accounts.get(Number(scope.queryString))
 *   }
 * }
 *
 * const application = ProtocolTypeRouter({
 *   websocket: QueryAuthMiddleware.wrap(URLRouter([path('ws/chat/', ChatConsumer.asApp())])),
 * })
 * ```
 */
export abstract class BaseMiddleware {
  /** The application this middleware wraps. */
  protected readonly inner: Application
  #app: Application | undefined

  /**
   * @param inner - the application to run after this middleware; checked here, at start-up
   */
  constructor(inner: Application) {
    assertApplication(inner, `new ${new.target.name}(inner)`)
    this.inner = inner
  }

  /**
   * Wraps `inner` in a new instance of this middleware and returns it as an
   * application: `QueryAuthMiddleware.wrap(router)` reads like Channels'
   * `QueryAuthMiddleware(router)`. For a subclass whose constructor takes
   * more than `inner`, write `new MyMiddleware(inner, options).asApp()`.
   */
  static wrap<M extends BaseMiddleware>(
    this: new (inner: Application) => M,
    inner: Application,
  ): Application {
    return new this(inner).asApp()
  }

  /**
   * The middleware as an application; the same function on every call, named
   * after the subclass so stack traces read well.
   */
  asApp(): Application {
    if (this.#app === undefined) {
      const app: Application = (scope, receive, send) => this.call(scope, receive, send)
      Object.defineProperty(app, 'name', { value: this.constructor.name })
      this.#app = app
    }
    return this.#app
  }

  /**
   * Runs the middleware for one connection: copies the scope, awaits
   * `populateScope(copy)`, then runs the inner application with the copy.
   * Override it to wrap `receive` or `send`, passing the wrappers to
   * `super.call(scope, receive, send)`.
   */
  async call(scope: Scope, receive: Receive, send: Send): Promise<void> {
    // Copy the scope so changes never go upstream, to the middleware that gave it.
    const copy: Scope = { ...scope }
    await this.populateScope(copy)
    return this.inner(copy, receive, send)
  }

  /**
   * Adds fields to the scope it is given, which is this middleware's own
   * copy (the one the inner application will receive) and may be changed
   * freely. Does nothing by default.
   */
  protected populateScope(_scope: Scope): void | Promise<void> {}
}
