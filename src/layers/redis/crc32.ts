/**
 * CRC-32 (the IEEE polynomial used by zlib and Python's `binascii.crc32`),
 * the checksum `channels_redis` hashes names with to pick a shard.
 *
 * Node has `zlib.crc32` since 20.15 and 22.2; older Node 20 releases fall
 * back to a table-driven version, so the result is identical everywhere.
 *
 * @module
 * @internal
 */

import * as zlib from 'node:zlib'

type Crc32 = (data: Uint8Array | string) => number

const native = (zlib as { crc32?: Crc32 }).crc32

let table: Uint32Array | undefined

/**
 * The unsigned CRC-32 of `data` (a string is hashed as UTF-8), the same
 * value as Python's `binascii.crc32(data)`.
 *
 * @internal
 */
export const crc32: Crc32 = native ?? tableCrc32

/**
 * The table-driven CRC-32 used when `zlib.crc32` is missing. Exported for
 * the tests, which check that it agrees with zlib.
 *
 * @internal
 */
export function tableCrc32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  table ??= buildTable()
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function buildTable(): Uint32Array {
  const result = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    result[n] = c >>> 0
  }
  return result
}
