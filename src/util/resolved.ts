/**
 * The one already-resolved promise that hot paths return when they finished
 * synchronously. Sharing it lets a caller recognise a synchronous finish by
 * identity (`result === RESOLVED`) and carry on at once, instead of paying a
 * `then()` and a microtask hop for a promise it knows has settled.
 *
 * @module
 * @internal
 */

/** Resolved with `undefined`, shared by every hot path. @internal */
export const RESOLVED: Promise<void> = Promise.resolve()
