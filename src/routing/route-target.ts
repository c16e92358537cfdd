/**
 * How an application tells `path()` and `rePath()`, at compile time only,
 * which kwargs it expects its route to capture.
 *
 * @module
 */

import type { Application } from '../types.js'

/**
 * The key of the compile-time note a consumer's application carries about
 * the kwargs it expects. Nothing is stored under it at run time.
 */
export declare const expectedRouteKwargs: unique symbol

/**
 * An application a route providing the kwargs `P` may lead to: any
 * application, unless it was made by a consumer's `asApp()` and expects
 * kwargs that `P` does not provide, or provides with another type.
 */
export type RouteTarget<P> = Application & { readonly [expectedRouteKwargs]?: (kwargs: P) => void }
