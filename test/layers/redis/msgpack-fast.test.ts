/**
 * The msgpack fast path writes exactly what `@msgpack/msgpack` writes, reads
 * what it reads, and gives up (returns `undefined`) on anything else.
 *
 * @module
 */

import { decode, encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'

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
]

function sample(seed: number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T =>
    list[(seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % list.length]!
  const message: Record<string, unknown> = { type: 'test.message' }
  const fields = 1 + (seed % 20)
  for (let index = 0; index < fields; index++) {
    const kind = pick(['n', 's', 'b', 'null', 'list', 'map'] as const)
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

    it('gives up on values outside the fast path', () => {
      const encoder = new FastEncoder()
      const outside = [
        new Uint8Array([1, 2]),
        new Date(0),
        new Map(),
        2 ** 32,
        -(2 ** 31) - 1,
        10n,
        'lone \ud800 surrogate',
        Array.from({ length: 0x10000 }, () => 0),
        'z'.repeat(70_000),
      ]
      for (const value of outside) expect(encoder.encode({ type: 'a', value }, 0)).toBeUndefined()
    })
  })
})

describe('fastDecode', () => {
  it('reads what @msgpack/msgpack writes, as it reads it', () => {
    for (let seed = 1; seed < 400; seed++) {
      const bytes = Buffer.from(encode(sample(seed)))
      expect(fastDecode(bytes, 0), `seed ${seed}`).toEqual(decode(bytes))
    }
  })

  it('reads from an offset', () => {
    const bytes = Buffer.concat([Buffer.alloc(12, 7), Buffer.from(encode({ type: 'a', n: 300 }))])
    expect(fastDecode(bytes, 12)).toEqual({ type: 'a', n: 300 })
  })

  it('gives up on bytes, 64-bit numbers, __proto__ keys, truncated or trailing data and non-maps', () => {
    const cases = [
      encode({ type: 'a', data: new Uint8Array([1]) }),
      encode({ type: 'a', big: 2 ** 40 }),
      Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0xc0]),
      encode({ type: 'a' }).subarray(0, 3),
      Buffer.concat([Buffer.from(encode({ type: 'a' })), Buffer.from([0])]),
      encode(['type']),
      encode('type'),
    ]
    for (const bytes of cases) expect(fastDecode(Buffer.from(bytes), 0)).toBeUndefined()
  })
})
