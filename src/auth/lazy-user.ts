/**
 * `LazyUser`: what `scope.user` holds, a user loaded on first `await` and
 * remembered for the rest of the connection.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { AnyUser } from './user.js'

declare module '../types.js' {
  interface BuiltinScopeFields {
    /**
     * The connection's user, loaded lazily: `await scope.user`. Set by
     * `AuthMiddleware` and the token middlewares; read-only (change it with
     * `login()`/`logout()`).
     */
    readonly user?: LazyUser
  }
}

let replace: (lazy: LazyUser, user: AnyUser) => void

/**
 * A user that is looked up only when first awaited, so connections that
 * never ask who they are cost no store query, then kept for the connection.
 * It is a `PromiseLike`, so `await scope.user` gives the `AnyUser`; once
 * loaded, `current` reads it synchronously.
 *
 * Channels puts a lazy object in `scope["user"]` for the same reason; a
 * promise-like is the TypeScript-friendly equivalent, because TypeScript
 * cannot type a proxy that turns into a user on first attribute access.
 *
 * @example
 * ```ts
 * class ChatConsumer extends WebsocketConsumer {
 *   override async connect() {
 *     const user = await this.scope.user
 *     if (!user?.isAuthenticated) return this.close(4401)
 *     await this.accept()
 *   }
 * }
 * ```
 */
export class LazyUser implements PromiseLike<AnyUser> {
  #load: (() => Promise<AnyUser>) | undefined
  #promise: Promise<AnyUser> | undefined
  #value: AnyUser | undefined

  static {
    // Only login() and logout() may swap the user; the field stays read-only to everyone else.
    replace = (lazy, user) => {
      lazy.#value = user
      lazy.#promise = undefined
      lazy.#load = undefined
    }
  }

  /** @param load - looks the user up; called at most once */
  constructor(load: () => Promise<AnyUser>) {
    this.#load = load
  }

  /** A `LazyUser` that is already loaded, for middleware that has the user at hand. */
  static of(user: AnyUser): LazyUser {
    const lazy = new LazyUser(() => Promise.resolve(user))
    replace(lazy, user)
    return lazy
  }

  /** Whether the user has been loaded. */
  get loaded(): boolean {
    return this.#value !== undefined
  }

  /**
   * The loaded user. Throws `ImproperlyConfigured` before the first `await`,
   * as Channels' "Accessing scope user before it is ready".
   */
  get current(): AnyUser {
    if (this.#value === undefined) {
      throw new ImproperlyConfigured('scope.user is not loaded yet; `await scope.user` first.')
    }
    return this.#value
  }

  /** Loads the user once and resolves with it. */
  then<A = AnyUser, B = never>(
    onfulfilled?: ((user: AnyUser) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    // Once loaded, only the user is kept: the loader and its promise would
    // stay on every open connection for nothing.
    if (this.#value !== undefined) return Promise.resolve(this.#value).then(onfulfilled, onrejected)
    if (this.#promise === undefined) {
      const load = this.#load ?? (() => Promise.reject(new ImproperlyConfigured('scope.user has no loader.')))
      this.#promise = load().then((user) => {
        this.#value = user
        this.#promise = undefined
        this.#load = undefined
        return user
      })
      // A failed load is retried on the next await rather than cached forever.
      this.#promise.catch(() => {
        this.#promise = undefined
      })
    }
    return this.#promise.then(onfulfilled, onrejected)
  }
}

/**
 * Swaps the user a `LazyUser` resolves to.
 * @internal Used by `login()` and `logout()`.
 */
export function replaceUser(lazy: LazyUser, user: AnyUser): void {
  replace(lazy, user)
}
