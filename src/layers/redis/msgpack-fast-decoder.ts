/**
 * The decoding half of the msgpack fast path (see `msgpack-fast-encoder.ts`):
 * reads a message map of strings, bytes, booleans, null, numbers, lists and
 * nested maps as `@msgpack/msgpack` reads them, without its per-call set-up.
 * A 64-bit integer is a number when it fits in one exactly (up to 2**53 in
 * size) and a BigInt beyond, so an int Python sends arrives unrounded.
 * Anything else (ext, `__proto__` or non-string keys, malformed input) makes
 * it give up, and the caller uses the library, which decides what that input
 * means.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../../types.js'

/** Deeper than this, the library does it: layer messages are flat or nearly so. */
const MAX_DEPTH = 16

/**
 * Why the fast path stopped; never leaves this module. One instance made
 * once: throwing it costs no stack capture.
 */
const GIVE_UP = new Error('outside the msgpack fast path')

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = -MAX_SAFE

/**
 * Decodes a message map from `bytes[start..]`, or returns `undefined` when
 * something in it is outside the fast path (then the library decodes it).
 *
 * @internal
 */
export function fastDecode(bytes: Buffer, start: number): LayerMessage | undefined {
  const reader = new Reader(bytes, start)
  try {
    const value = reader.value(0)
    if (reader.at !== bytes.length || typeof value !== 'object' || value === null || Array.isArray(value)) {
      return undefined
    }
    return value as LayerMessage
  } catch (error) {
    if (error === GIVE_UP || error instanceof RangeError) return undefined
    throw error
  }
}

class Reader {
  readonly bytes: Buffer
  at: number

  constructor(bytes: Buffer, at: number) {
    this.bytes = bytes
    this.at = at
  }

  value(depth: number): unknown {
    const bytes = this.bytes
    if (this.at >= bytes.length) throw GIVE_UP
    const type = bytes[this.at++]!
    if (type < 0x80) return type
    if (type < 0x90) return this.#map(type & 0x0f, depth)
    if (type < 0xa0) return this.#array(type & 0x0f, depth)
    if (type < 0xc0) return this.#string(type & 0x1f)
    if (type >= 0xe0) return type - 0x100
    switch (type) {
      case 0xc0:
        return null
      case 0xc2:
        return false
      case 0xc3:
        return true
      case 0xc4:
        return this.#bin(this.#advance(1, bytes.readUInt8(this.at)))
      case 0xc5:
        return this.#bin(this.#advance(2, bytes.readUInt16BE(this.at)))
      case 0xc6:
        return this.#bin(this.#advance(4, bytes.readUInt32BE(this.at)))
      case 0xca:
        return this.#advance(4, bytes.readFloatBE(this.at))
      case 0xcb:
        return this.#advance(8, bytes.readDoubleBE(this.at))
      case 0xcc:
        return this.#advance(1, bytes.readUInt8(this.at))
      case 0xcd:
        return this.#advance(2, bytes.readUInt16BE(this.at))
      case 0xce:
        return this.#advance(4, bytes.readUInt32BE(this.at))
      case 0xcf:
        return this.#advance(8, exact(bytes.readBigUInt64BE(this.at)))
      case 0xd0:
        return this.#advance(1, bytes.readInt8(this.at))
      case 0xd1:
        return this.#advance(2, bytes.readInt16BE(this.at))
      case 0xd2:
        return this.#advance(4, bytes.readInt32BE(this.at))
      case 0xd3:
        return this.#advance(8, exact(bytes.readBigInt64BE(this.at)))
      case 0xd9:
        return this.#string(this.#advance(1, bytes.readUInt8(this.at)))
      case 0xda:
        return this.#string(this.#advance(2, bytes.readUInt16BE(this.at)))
      case 0xdb:
        return this.#string(this.#advance(4, bytes.readUInt32BE(this.at)))
      case 0xdc:
        return this.#array(this.#advance(2, bytes.readUInt16BE(this.at)), depth)
      case 0xdd:
        return this.#array(this.#advance(4, bytes.readUInt32BE(this.at)), depth)
      case 0xde:
        return this.#map(this.#advance(2, bytes.readUInt16BE(this.at)), depth)
      case 0xdf:
        return this.#map(this.#advance(4, bytes.readUInt32BE(this.at)), depth)
      default:
        // ext (the library knows its timestamp) and the unused byte 0xc1.
        throw GIVE_UP
    }
  }

  #advance<T>(bytes: number, value: T): T {
    this.at += bytes
    return value
  }

  #string(length: number): string {
    const bytes = this.bytes
    const start = this.at
    const end = start + length
    if (end > bytes.length) throw GIVE_UP
    this.at = end
    // Short ASCII strings (keys, types) are built here: cheaper than a call into native code, and
    // under V8's 13-character minimum for cons strings, so the result is flat.
    if (length < 13) {
      let value = ''
      for (let index = start; index < end; index++) {
        const byte = bytes[index]!
        if (byte >= 0x80) return bytes.toString('utf8', start, end)
        value += String.fromCharCode(byte)
      }
      return value
    }
    return bytes.toString('utf8', start, end)
  }

  /** A `bin` as a plain `Uint8Array` view of the input, as the library returns it. */
  #bin(length: number): Uint8Array {
    const bytes = this.bytes
    const start = this.at
    if (start + length > bytes.length) throw GIVE_UP
    this.at = start + length
    return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length)
  }

  #array(count: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH || count > this.bytes.length - this.at) throw GIVE_UP
    const array = new Array<unknown>(count)
    for (let index = 0; index < count; index++) array[index] = this.value(depth + 1)
    return array
  }

  #map(count: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH || count * 2 > this.bytes.length - this.at) throw GIVE_UP
    const map: Record<string, unknown> = {}
    for (let index = 0; index < count; index++) {
      const key = this.value(depth + 1)
      // The library rejects __proto__ and accepts number keys; both are left to it.
      if (typeof key !== 'string' || key === '__proto__') throw GIVE_UP
      map[key] = this.value(depth + 1)
    }
    return map
  }
}

/** A 64-bit integer as a number when it is one exactly, else as the BigInt. @internal */
export function exact(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value
}
