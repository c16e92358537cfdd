/**
 * The msgpack fast path writes exactly what `@msgpack/msgpack` writes, reads
 * what it reads, and gives up (returns `undefined`) on anything else; except
 * that it writes well-formed UTF-8 for lone surrogates and 64-bit integers
 * for BigInts, and reads 64-bit integers beyond 2**53 as BigInts.
 *
 * @module
 */

import { decode, encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'

import { UnencodableMessage } from '../../../src/errors.js'
import { fastDecode } from '../../../src/layers/redis/msgpack-fast-decoder.js'
import { FastEncoder } from '../../../src/layers/redis/msgpack-fast-encoder.js'

const NUMBERS = [
  0,
  -0,
  1,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  1.5,
  -0.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53 + 2,
  2 ** 32,
  2 ** 40 + 7,
  Date.UTC(2026, 0, 1),
  Number.MAX_SAFE_INTEGER,
  -(2 ** 31) - 1,
  -(2 ** 40) - 3,
  Number.MIN_SAFE_INTEGER,
]
const STRINGS = [
  '',
  'a',
  'x'.repeat(31),
  'x'.repeat(32),
  'x'.repeat(255),
  'x'.repeat(256),
  'é'.repeat(20),
  'é'.repeat(200),
  '😀 chat',
  '中文'.repeat(40),
  'y'.repeat(65_535),
  'z'.repeat(70_000),
]

function sample(seed: number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T =>
    list[(seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % list.length]!
  const message: Record<string, unknown> = { type: 'test.message' }
  const fields = 1 + (seed % 20)
  for (let index = 0; index < fields; index++) {
    const kind = pick(['n', 's', 'b', 'null', 'list', 'map', 'bytes'] as const)
    message[`${pick(STRINGS).slice(0, 8)}${index}`] =
      kind === 'n'
        ? pick(NUMBERS)
        : kind === 's'
          ? pick(STRINGS)
          : kind === 'b'
            ? index % 2 === 0
            : kind === 'null'
              ? null
              : kind === 'list'
                ? Array.from({ length: seed % 20 }, (_, n) => `specific.abc!${n}`)
                : kind === 'bytes'
                  ? new Uint8Array(seed % 300).fill(seed % 256)
                  : { nested: pick(STRINGS), depth: { n: pick(NUMBERS) } }
  }
  return message
}

describe('FastEncoder', () => {
  describe('#encode', () => {
    it('writes the same bytes as @msgpack/msgpack', () => {
      const encoder = new FastEncoder()
      for (let seed = 1; seed < 400; seed++) {
        const message = sample(seed)
        const fast = encoder.encode(message, 0)
        expect(fast, `seed ${seed}`).toBeDefined()
        expect(Buffer.compare(fast!, Buffer.from(encode(message))), `seed ${seed}`).toBe(0)
      }
    })

    it('leaves room for a prefix in front', () => {
      const fast = new FastEncoder().encode({ type: 'a' }, 12)!
      expect(fast.subarray(12)).toEqual(Buffer.from(encode({ type: 'a' })))
    })

    it('writes long lists and maps with 32-bit counts, as the library does', () => {
      const message = {
        type: 'a',
        list: Array.from({ length: 0x10000 }, () => 0),
        map: Object.fromEntries(Array.from({ length: 0x10000 }, (_, n) => [`k${n}`, n])),
      }
      expect(Buffer.compare(new FastEncoder().encode(message, 0)!, Buffer.from(encode(message)))).toBe(0)
    })

    it('writes a lone surrogate, in a value or a key, as U+FFFD: always UTF-8', () => {
      const fast = new FastEncoder().encode({ type: 'a', ['k\udc00']: 'x\ud800y' }, 0)!
      expect(fast.includes(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false)
      expect(decode(fast)).toEqual({ type: 'a', 'k\ufffd': 'x\ufffdy' })
    })

    it('writes a BigInt as a 64-bit integer, unsigned from 0 up', () => {
      const encoder = new FastEncoder()
      expect(encoder.encode({ big: 2n ** 60n + 1n }, 0)!.toString('hex')).toBe('81a3626967cf1000000000000001')
      expect(encoder.encode({ big: -(2n ** 63n) }, 0)!.toString('hex')).toBe('81a3626967d38000000000000000')
      expect(encoder.encode({ big: 5n }, 0)!.toString('hex')).toBe('81a3626967cf0000000000000005')
    })

    it('refuses a BigInt beyond 64 bits with UnencodableMessage', () => {
      const encoder = new FastEncoder()
      expect(() => encoder.encode({ type: 'a', big: 2n ** 64n }, 0)).toThrow(UnencodableMessage)
      expect(() => encoder.encode({ type: 'a', big: -(2n ** 63n) - 1n }, 0)).toThrow(UnencodableMessage)
    })

    it('gives up on values outside the fast path', () => {
      const encoder = new FastEncoder()
      const nested: Record<string, unknown> = {}
      let level = nested
      for (let depth = 0; depth < 20; depth++) level = level.next = {}
      const outside = [
        new Date(0),
        new Map(),
        new Int16Array(2),
        new (class Point {})(),
        () => 1,
        Symbol('s'),
        nested,
      ]
      for (const value of outside) expect(encoder.encode({ type: 'a', value }, 0)).toBeUndefined()
    })
  })
})

describe('fastDecode', () => {
  it('reads what @msgpack/msgpack writes, as it reads it', () => {
    for (let seed = 1; seed < 400; seed++) {
      const bytes = Buffer.from(encode(sample(seed)))
      // A plain Uint8Array: from a Buffer the library would return bytes as Buffers.
      expect(fastDecode(bytes, 0), `seed ${seed}`).toEqual(decode(new Uint8Array(bytes)))
    }
  })

  it('reads from an offset', () => {
    const bytes = Buffer.concat([Buffer.alloc(12, 7), Buffer.from(encode({ type: 'a', n: 300 }))])
    expect(fastDecode(bytes, 12)).toEqual({ type: 'a', n: 300 })
  })

  it('reads a 64-bit integer as a number when it is one exactly, else as a BigInt', () => {
    const read = (hex: string): unknown => fastDecode(Buffer.from(`81a1${'6e'}${hex}`, 'hex'), 0)?.n
    expect(read('cf0000010000000000')).toBe(2 ** 40)
    expect(read('cf001fffffffffffff')).toBe(Number.MAX_SAFE_INTEGER)
    expect(read('cf0020000000000000')).toBe(2n ** 53n)
    expect(read('cf1000000000000001')).toBe(2n ** 60n + 1n)
    expect(read('cfffffffffffffffff')).toBe(2n ** 64n - 1n)
    expect(read('d38000000000000000')).toBe(-(2n ** 63n))
    expect(read('d3ffffff0000000000')).toBe(-(2 ** 40))
  })

  it('reads bytes as a Uint8Array view and float32 as a number', () => {
    expect(fastDecode(Buffer.from(encode({ type: 'a', data: new Uint8Array([1, 2]) })), 0)).toEqual({
      type: 'a',
      data: new Uint8Array([1, 2]),
    })
    expect(fastDecode(Buffer.from('81a16eca3fc00000', 'hex'), 0)).toEqual({ n: 1.5 })
  })

  it('gives up on ext values, __proto__ keys, truncated or trailing data and non-maps', () => {
    const cases = [
      encode({ type: 'a', when: new Date(0) }),
      Buffer.from('81a16edd7fffffff', 'hex'),
      Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0xc0]),
      encode({ type: 'a' }).subarray(0, 3),
      Buffer.concat([Buffer.from(encode({ type: 'a' })), Buffer.from([0])]),
      encode(['type']),
      encode('type'),
    ]
    for (const bytes of cases) expect(fastDecode(Buffer.from(bytes), 0)).toBeUndefined()
  })
})

describe('fastDecode against @msgpack/msgpack on random input', () => {
  /** The library's reading, with 64-bit integers that fit a number made numbers, as the layers read it. */
  const reference = (bytes: Uint8Array): unknown => {
    const exact = (value: unknown): unknown => {
      if (typeof value === 'bigint') return value >= -(2n ** 53n) && value < 2n ** 53n ? Number(value) : value
      if (Array.isArray(value)) return value.map(exact)
      if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, exact(item)]))
    }
    return exact(decode(new Uint8Array(bytes), { useBigInt64: true }))
  }

  /**
   * `expected` with each string that the fast path read as containing U+FFFD
   * taken from `fast`: on bytes that are not UTF-8 the fast path follows the
   * WHATWG decoder (U+FFFD), the library's own decoder does something else.
   */
  const withReplacements = (fast: unknown, expected: unknown): unknown => {
    if (typeof fast === 'string' && typeof expected === 'string' && fast.includes('\ufffd')) return fast
    if (Array.isArray(fast) && Array.isArray(expected))
      return expected.map((item, index) => withReplacements(fast[index], item))
    if (
      typeof fast === 'object' &&
      fast !== null &&
      !(fast instanceof Uint8Array) &&
      typeof expected === 'object' &&
      expected !== null
    ) {
      const fastEntries = Object.entries(fast)
      return Object.fromEntries(
        Object.entries(expected).map(([key, item], index) => {
          const [fastKey, fastItem] = fastEntries[index] ?? []
          return [withReplacements(fastKey, key) as string, withReplacements(fastItem, item)]
        }),
      )
    }
    return expected
  }

  it('never throws, and agrees with the library whenever it reads something (5,000 cases)', () => {
    let seed = 42
    const random = (below: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % below
    for (let run = 0; run < 5_000; run++) {
      // Half mutated valid messages, half random bytes behind a map header.
      const bytes =
        run % 2 === 0
          ? Buffer.from(encode(sample(1 + random(400))))
          : Buffer.from([0x80 | random(4), ...Array.from({ length: random(40) }, () => random(256))])
      if (run % 2 === 0)
        for (let flips = random(4); flips >= 0; flips--) bytes[random(bytes.length)] = random(256)
      const fast = fastDecode(bytes, 0)
      if (fast === undefined) continue
      let expected: unknown
      try {
        expected = reference(bytes)
      } catch (error) {
        throw new Error(
          `run ${run}: the fast path read bytes the library refuses: ${bytes.toString('hex')}`,
          {
            cause: error,
          },
        )
      }
      expect(fast, `run ${run}: ${bytes.toString('hex')}`).toEqual(withReplacements(fast, expected))
    }
  })
})
