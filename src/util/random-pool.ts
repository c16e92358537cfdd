/**
 * Random bytes from the system's CSPRNG, drawn from a pool refilled 4 KiB at
 * a time. Every new channel needs a random name and every core-layer message
 * a random prefix; one `getrandom` call each was about 5 % of the server's
 * CPU per handshake in a connect storm. The bytes are as unpredictable as
 * `randomBytes()`'s (Node's own `randomUUID()` pools the same way); secrets
 * that are made rarely (session keys, tokens) still call `randomBytes()`.
 *
 * @module
 * @internal
 */

import { randomFillSync } from 'node:crypto'

const BLOCK = 4096
let pool = Buffer.alloc(0)
let offset = 0

/**
 * Writes `length` random bytes into `target` at `at`.
 *
 * @internal
 */
export function fillRandom(target: Buffer, length: number, at = 0): void {
  if (offset + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(Math.max(BLOCK, length)))
    offset = 0
  }
  pool.copy(target, at, offset, offset + length)
  offset += length
}

const NAME_BYTES = 9
const nameBuffer = Buffer.alloc(NAME_BYTES)

/**
 * 72 random bits as 12 base64url characters, legal in a channel name.
 *
 * @example
 * ```ts
 * const name = `specific.inmemory!${randomName()}`
 * ```
 * @internal
 */
export function randomName(): string {
  fillRandom(nameBuffer, NAME_BYTES)
  return nameBuffer.toString('base64url')
}
