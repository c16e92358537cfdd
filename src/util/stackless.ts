/**
 * Errors made without a stack trace, for the ones tschannels makes on every
 * connection's way out: the `StopConsumer` a consumer throws after
 * `websocket.disconnect`, the `ReceiveCancelled` a discarded channel hands
 * its receivers. Capturing a stack was a few percent of the server's CPU per
 * handshake in a connect storm, and nobody reads these stacks: the first is
 * caught by the consumer itself, and the second's message names the channel
 * and the reason, while its stack would only show the layer's internals.
 *
 * @module
 * @internal
 */

/**
 * `make()`, with stack capture off while it runs.
 *
 * @example
 * ```ts
 * throw stackless(() => new StopConsumer())
 * ```
 * @internal
 */
export function stackless<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}
