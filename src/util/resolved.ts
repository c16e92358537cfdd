/**
 * The "finished synchronously" contract of the per-message path, in one
 * place. A function on that path that returns a promise (a consumer's
 * handler, the server's `send()`, the dispatcher's `deliver()`) may return
 * `RESOLVED`, the one promise that is already fulfilled, to say "done, and
 * done well: nothing to wait for". Its caller asks `finishedSync(result)`
 * and carries on in the same tick, instead of paying a `then()` and a
 * microtask hop per message for a promise it could know has settled.
 *
 * Who returns it: `WebsocketConnection.send()` below the high-water mark,
 * `Consumer.dispatch()` for a handler that returned nothing,
 * `SerialDispatcher.deliver()` for a handler that finished synchronously.
 * Who checks it: `SerialDispatcher`, `ClientPump`, `LayerPump`. Nothing
 * else may rely on it: any other promise, even a fulfilled one, means
 * "wait for me".
 *
 * What it bought: with the callback feeds, it took a `WebsocketConsumer`
 * echo from 1.28–1.44x to 1.07x the server CPU of raw `ws` per message
 * (`npm run bench:echo`, docs/internals.md). The switch
 * `TSCHANNELS_SYNC_SETTLE=0` makes `finishedSync()` always false, so every
 * caller takes the `then()` path; the consumer behaves the same, only
 * slower (test/util/resolved.test.ts runs it that way).
 *
 * @module
 * @internal
 */

declare const finishedSyncMark: unique symbol

/** The type of `RESOLVED`: a `Promise<void>` that says "finished synchronously". @internal */
export type Resolved = Promise<void> & { readonly [finishedSyncMark]: true }

/** Fulfilled with `undefined`, shared by every producer of the contract. @internal */
export const RESOLVED: Resolved = Promise.resolve() as Resolved

const ENABLED = process.env.TSCHANNELS_SYNC_SETTLE !== '0'

/**
 * Whether the callee that returned `result` finished synchronously (it
 * returned `RESOLVED`); then the caller may go on without awaiting it.
 *
 * @internal
 */
export function finishedSync(result: Promise<unknown>): result is Resolved {
  return ENABLED && result === RESOLVED
}
