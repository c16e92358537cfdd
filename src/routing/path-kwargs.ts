/**
 * Type-level reading of a route: which kwargs a `path()` route captures and
 * of which type, so `'rooms/<int:id>/'` gives `{ id: number }`, and which
 * named groups a `rePath()` pattern has.
 *
 * @module
 */

import type { ConverterTypes } from './converters.js'

/**
 * The kwargs a `path()` route captures, with their converted types. Give it
 * to a consumer's `kwargs` and `this.kwargs` is typed; `path()` then checks
 * that the route captures them.
 *
 * @example
 * ```ts
 * const ROOM = 'rooms/<int:id>/<slug:name>/'
 * type RoomKwargs = PathKwargs<typeof ROOM> // { id: number; name: string }
 *
 * class RoomConsumer extends WebsocketConsumer<{ kwargs: RoomKwargs }> {
 *   override async connect() {
 *     const id: number = this.kwargs.id
 *     await this.accept()
 *     await this.send({ text: `room ${id}: ${this.kwargs.name}` })
 *   }
 * }
 * URLRouter([path(ROOM, RoomConsumer.asApp())])
 * ```
 */
export type PathKwargs<R extends string> = string extends R
  ? Record<string, unknown>
  : Simplify<CollectKwargs<R>>

/**
 * The kwargs a `rePath()` pattern written as a string literal captures: one
 * string per named group, `(?P<name>…)` or `(?<name>…)`. A group in an
 * optional part of the pattern may be missing from a match: declare it
 * optional in the consumer's kwargs. A `RegExp` pattern cannot be read at
 * compile time: its kwargs are not checked.
 *
 * @example
 * ```ts
 * type ChatKwargs = RePathKwargs<'^ws/chat/(?P<room>\\w+)/$'> // { room: string }
 * ```
 */
export type RePathKwargs<P extends string> = string extends P
  ? Record<string, string>
  : Simplify<GroupKwargs<P, '(?P<'> & GroupKwargs<P, '(?<'>>

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

type GroupKwargs<P extends string, Open extends string> = P extends `${string}${Open}${infer N}>${infer Rest}`
  ? // `(?<=` and `(?<!` open lookbehinds, not groups.
    (N extends `${'=' | '!'}${string}` ? unknown : { [K in N]: string }) & GroupKwargs<Rest, Open>
  : unknown

type UnknownConverter<R extends string> = R extends `${string}<${infer P}>${infer Rest}`
  ? P extends `${infer C}:${string}`
    ? C extends keyof ConverterTypes
      ? UnknownConverter<Rest>
      : C
    : UnknownConverter<Rest>
  : never
