/**
 * Type-level reading of a `path()` route: which kwargs it captures and of
 * which type, so `'rooms/<int:id>/'` gives `{ id: number }`.
 *
 * @module
 */

import type { ConverterTypes } from './converters.js'

/**
 * The kwargs a `path()` route captures, with their converted types.
 *
 * @example
 * ```ts
 * const ROOM = 'rooms/<int:id>/<slug:name>/'
 * type RoomKwargs = PathKwargs<typeof ROOM> // { id: number; name: string }
 * const { id } = scope.urlRoute?.kwargs as RoomKwargs
 * ```
 */
export type PathKwargs<R extends string> = string extends R
  ? Record<string, unknown>
  : Simplify<CollectKwargs<R>>

/**
 * The route itself when every converter it names exists, otherwise a string
 * type naming the bad converter, so that `path()` rejects the call.
 */
export type CheckedRoute<R extends string> = [UnknownConverter<R>] extends [never]
  ? R
  : `unknown path converter '${UnknownConverter<R>}'`

type Simplify<T> = { [K in keyof T]: T[K] }

type CollectKwargs<R extends string> = R extends `${string}<${infer P}>${infer Rest}`
  ? ParameterKwarg<P> & CollectKwargs<Rest>
  : unknown

type ParameterKwarg<P extends string> = P extends `${infer C}:${infer N}`
  ? { [K in N]: C extends keyof ConverterTypes ? ConverterTypes[C] : never }
  : { [K in P]: string }

type UnknownConverter<R extends string> = R extends `${string}<${infer P}>${infer Rest}`
  ? P extends `${infer C}:${string}`
    ? C extends keyof ConverterTypes
      ? UnknownConverter<Rest>
      : C
    : UnknownConverter<Rest>
  : never
