/**
 * The encoding half of the msgpack fast path for layer messages: maps of
 * strings, bytes, booleans, null, numbers, BigInts and lists of them (the
 * `__asgi_channel__` list), nested or not. `@msgpack/msgpack` spends most of
 * its time on a small message in set-up and per-call allocations, which every
 * send pays; this costs a fraction of that (and half for a group send's list
 * of a hundred channel names).
 *
 * Whatever it writes is byte for byte what `@msgpack/msgpack` writes for the
 * same value (test/layers/redis/msgpack-fast.test.ts compares them), with
 * two exceptions that make Python read what was sent: a lone surrogate is
 * written as U+FFFD (the library writes it as bytes that are not UTF-8, on
 * which Python fails), and a BigInt is written as a 64-bit integer (the
 * library refuses it unless told to write every large number as a float).
 * A value outside its range (dates, maps, class instances, typed arrays
 * other than `Uint8Array`, deep nesting) makes it give up, and the caller
 * uses the library.
 *
 * @module
 * @internal
 */

import { UnencodableMessage } from '../../errors.js'

/** Deeper than this, the library does it: layer messages are flat or nearly so. */
const MAX_DEPTH = 16
/** Results up to this many bytes are copied in a loop: cheaper than a call into Buffer's native code. */
const SHORT = 128

/**
 * Why the fast path stopped; never leaves this module. One instance made
 * once: throwing it costs no stack capture.
 */
const GIVE_UP = new Error('outside the msgpack fast path')

const UINT64_MAX = 2n ** 64n - 1n
const INT64_MIN = -(2n ** 63n)

/**
 * Encodes into a growable scratch buffer, returning a copy of the bytes
 * with `prefix` unused bytes in front (the caller fills them), or
 * `undefined` when the value is outside the fast path.
 *
 * @internal
 */
export class FastEncoder {
  #buffer = Buffer.allocUnsafe(2048)
  #view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.length)
  #at = 0

  encode(value: Record<string, unknown>, prefix: number): Buffer | undefined {
    this.#at = 0
    try {
      this.#value(value, 0)
    } catch (error) {
      if (error === GIVE_UP) return undefined
      throw error
    }
    const length = this.#at
    const result = Buffer.allocUnsafe(prefix + length)
    if (length > SHORT) this.#buffer.copy(result, prefix, 0, length)
    else for (let index = 0; index < length; index++) result[prefix + index] = this.#buffer[index]!
    return result
  }

  #value(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        return this.#string(value)
      case 'number':
        return this.#number(value)
      case 'boolean':
        this.#ensure(1)
        this.#buffer[this.#at++] = value ? 0xc3 : 0xc2
        return
      case 'bigint':
        return this.#bigint(value)
      case 'undefined':
        this.#ensure(1)
        this.#buffer[this.#at++] = 0xc0
        return
      case 'object':
        if (value === null) {
          this.#ensure(1)
          this.#buffer[this.#at++] = 0xc0
          return
        }
        if (depth >= MAX_DEPTH) throw GIVE_UP
        if (Array.isArray(value)) return this.#array(value, depth)
        if (value instanceof Uint8Array) return this.#bytes(value)
        return this.#map(value, depth)
      default:
        throw GIVE_UP
    }
  }

  #string(value: string): void {
    const units = value.length
    // At most 3 bytes per UTF-16 unit, plus the longest header.
    this.#ensure(5 + units * 3)
    const buffer = this.#buffer
    const start = this.#at
    // ASCII (types, keys, channel names) is one byte per unit: copy it in a loop, which for short
    // strings costs less than one call into Buffer's native code.
    let header = units < 32 ? 1 : units < 256 ? 2 : units < 0x10000 ? 3 : 5
    let at = start + header
    let index = 0
    for (; index < units; index++) {
      const unit = value.charCodeAt(index)
      if (unit >= 0x80) break
      buffer[at++] = unit
    }
    let length = units
    if (index < units) {
      // Non-ASCII. Buffer writes a lone surrogate as U+FFFD, so what goes out is always UTF-8.
      length = buffer.write(value, start + header, 'utf8')
      const needed = length < 32 ? 1 : length < 256 ? 2 : length < 0x10000 ? 3 : 5
      if (needed !== header) buffer.copy(buffer, start + needed, start + header, start + header + length)
      header = needed
    }
    if (header === 1) buffer[start] = 0xa0 | length
    else if (header === 2) {
      buffer[start] = 0xd9
      buffer[start + 1] = length
    } else if (header === 3) {
      buffer[start] = 0xda
      this.#view.setUint16(start + 1, length)
    } else {
      buffer[start] = 0xdb
      this.#view.setUint32(start + 1, length)
    }
    this.#at = start + header + length
  }

  #number(value: number): void {
    this.#ensure(9)
    const at = this.#at
    const buffer = this.#buffer
    if (!Number.isSafeInteger(value)) {
      buffer[at] = 0xcb
      this.#view.setFloat64(at + 1, value)
      this.#at = at + 9
    } else if (value >= 0) {
      if (value < 0x80) {
        buffer[at] = value
        this.#at = at + 1
      } else if (value < 0x100) {
        buffer[at] = 0xcc
        buffer[at + 1] = value
        this.#at = at + 2
      } else if (value < 0x10000) {
        buffer[at] = 0xcd
        this.#view.setUint16(at + 1, value)
        this.#at = at + 3
      } else if (value < 0x100000000) {
        buffer[at] = 0xce
        this.#view.setUint32(at + 1, value)
        this.#at = at + 5
      } else {
        buffer[at] = 0xcf
        this.#view.setUint32(at + 1, Math.floor(value / 0x100000000))
        this.#view.setUint32(at + 5, value >>> 0)
        this.#at = at + 9
      }
    } else if (value >= -0x20) {
      buffer[at] = 0xe0 | (value + 0x20)
      this.#at = at + 1
    } else if (value >= -0x80) {
      buffer[at] = 0xd0
      this.#view.setInt8(at + 1, value)
      this.#at = at + 2
    } else if (value >= -0x8000) {
      buffer[at] = 0xd1
      this.#view.setInt16(at + 1, value)
      this.#at = at + 3
    } else if (value >= -0x80000000) {
      buffer[at] = 0xd2
      this.#view.setInt32(at + 1, value)
      this.#at = at + 5
    } else {
      buffer[at] = 0xd3
      this.#view.setUint32(at + 1, Math.floor(value / 0x100000000))
      this.#view.setUint32(at + 5, value >>> 0)
      this.#at = at + 9
    }
  }

  /** A BigInt as Python's msgpack writes a large int: uint 64 from 0 up, int 64 below. */
  #bigint(value: bigint): void {
    if (value > UINT64_MAX || value < INT64_MIN) {
      throw new UnencodableMessage(
        `A channel layer message holds the integer ${value}, outside the 64-bit range msgpack carries ` +
          '(-2**63 to 2**64 - 1). Send it as a string.',
      )
    }
    this.#ensure(9)
    const at = this.#at
    if (value >= 0n) {
      this.#buffer[at] = 0xcf
      this.#view.setBigUint64(at + 1, value)
    } else {
      this.#buffer[at] = 0xd3
      this.#view.setBigInt64(at + 1, value)
    }
    this.#at = at + 9
  }

  /** Bytes as `bin`, as the library writes a `Uint8Array` (or a Buffer). */
  #bytes(value: Uint8Array): void {
    const length = value.length
    this.#ensure(5 + length)
    const buffer = this.#buffer
    let at = this.#at
    if (length < 0x100) {
      buffer[at++] = 0xc4
      buffer[at++] = length
    } else if (length < 0x10000) {
      buffer[at] = 0xc5
      this.#view.setUint16(at + 1, length)
      at += 3
    } else {
      buffer[at] = 0xc6
      this.#view.setUint32(at + 1, length)
      at += 5
    }
    buffer.set(value, at)
    this.#at = at + length
  }

  #array(value: readonly unknown[], depth: number): void {
    this.#header(value.length, 0x90, 0xdc)
    for (const item of value) this.#value(item, depth + 1)
  }

  #map(value: object, depth: number): void {
    const prototype = Object.getPrototypeOf(value) as unknown
    if (prototype !== Object.prototype && prototype !== null) throw GIVE_UP
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
    this.#header(keys.length, 0x80, 0xde)
    for (const key of keys) {
      this.#string(key)
      this.#value(record[key], depth + 1)
    }
  }

  /** A map or array header: fix form under 16 entries, else 16 bits, else 32 (`wide + 1`). */
  #header(count: number, fix: number, wide: number): void {
    this.#ensure(5)
    if (count < 16) this.#buffer[this.#at++] = fix | count
    else if (count < 0x10000) {
      this.#buffer[this.#at] = wide
      this.#view.setUint16(this.#at + 1, count)
      this.#at += 3
    } else {
      this.#buffer[this.#at] = wide + 1
      this.#view.setUint32(this.#at + 1, count)
      this.#at += 5
    }
  }

  #ensure(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#at + bytes))
    this.#buffer.copy(next, 0, 0, this.#at)
    this.#buffer = next
    this.#view = new DataView(next.buffer, next.byteOffset, next.length)
  }
}
