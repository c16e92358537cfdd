/**
 * A bounded wait, for the parts of a shutdown that depend on a peer: a
 * server that stopped answering must not hold a close up forever.
 *
 * @module
 * @internal
 */

/**
 * Resolves once `pending` settles (either way), or after `ms` at most. The
 * timer is cleared as soon as one of them happens and never keeps the
 * process alive.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 *
 * const client = new Redis()
 * await settledWithin(client.quit(), 5_000)
 * client.disconnect()
 * ```
 * @internal
 */
export function settledWithin(pending: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    timer.unref()
  })
  const settled = pending.then(noop, noop)
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer))
}

function noop(): void {}
