/**
 * The one rule that maps a message `type` to the consumer method handling it.
 *
 * @module
 */

import { InvalidMessageType } from '../errors.js'

const SEPARATORS = /[._]+([^._])?/g
const cache = new Map<string, string>()
const CACHE_LIMIT = 1024

/**
 * The consumer method that handles messages of `type`: dots and underscores
 * become camelCase, so `chat.message` and `chat_message` are both handled by
 * `chatMessage`, and `websocket.receive` by `websocketReceive`.
 *
 * A type that is empty, not a string, or starts with `_` or `.` is refused
 * with `InvalidMessageType`, so that a message can never reach a private or
 * inherited helper by its name.
 *
 * @example
 * ```ts
 * handlerName('chat.message') // 'chatMessage'
 * handlerName('user.joined_room') // 'userJoinedRoom'
 * ```
 */
export function handlerName(type: unknown): string {
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidMessageType(
      `A message needs a non-empty string 'type' such as 'chat.message' to be dispatched; got ${describe(type)}.`,
    )
  }
  const cached = cache.get(type)
  if (cached !== undefined) return cached
  if (type.startsWith('_') || type.startsWith('.')) {
    throw new InvalidMessageType(
      `Message type '${type.slice(0, 100)}' starts with '${type[0]}', which could reach a private method; ` +
        `use a type that starts with a letter, such as 'chat.message'.`,
    )
  }
  const name = type.replace(SEPARATORS, (_match: string, next: string | undefined) =>
    next === undefined ? '' : next.toUpperCase(),
  )
  // Types come from a small, fixed vocabulary in practice; the limit only
  // guards against a peer that invents a new type per message.
  if (cache.size < CACHE_LIMIT) cache.set(type, name)
  return name
}

/**
 * `handlerName()` at the type level: `HandlerName<'chat.message'>` is
 * `'chatMessage'`. A type starting with `_` or `.`, which `handlerName()`
 * refuses, gives `never`.
 *
 * @example
 * ```ts
 * const name: HandlerName<'user.joined_room'> = 'userJoinedRoom'
 * ```
 */
export type HandlerName<T extends string> = T extends `${'_' | '.'}${string}`
  ? never
  : CamelCase<T, '', false>

// Tail-recursive, one character at a time, so a type of any realistic length
// stays well inside the compiler's recursion limit.
type CamelCase<
  S extends string,
  Done extends string,
  Upper extends boolean,
> = S extends `${infer C}${infer Rest}`
  ? C extends '.' | '_'
    ? CamelCase<Rest, Done, true>
    : CamelCase<Rest, `${Done}${Upper extends true ? Uppercase<C> : C}`, false>
  : Done

function describe(value: unknown): string {
  if (value === undefined) return 'no type at all'
  if (typeof value === 'string') return 'an empty string'
  return `a value of type ${typeof value}`
}
