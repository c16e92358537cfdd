/**
 * `npm run bench:codec`: what one message costs to encode and to decode in
 * the Redis layers' wire format, with the layers' msgpack fast path, with
 * `@msgpack/msgpack` alone (what `TSCHANNELS_MSGPACK_FAST=0` runs), and with
 * `msgpackr` (the other well-kept library, tried as a single codec; it is not
 * used because it writes integers above 2**32 as floats, which Python reads
 * as floats). One process, no Redis: the codec alone, nothing else.
 *
 * Prints nanoseconds per message, the median of `BENCH_REPEAT` rounds.
 *
 * @module
 */

import { Decoder, Encoder } from '@msgpack/msgpack'
import { Packr } from 'msgpackr'

import { fastDecode } from '../src/layers/redis/msgpack-fast-decoder.js'
import { FastEncoder } from '../src/layers/redis/msgpack-fast-encoder.js'

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5)
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100_000)

const MESSAGES: Record<string, Record<string, unknown>> = {
  'small (type + 32-char text)': { type: 'chat.message', text: 'x'.repeat(32) },
  'chat message (6 fields)': {
    type: 'chat.message',
    id: 123_456,
    username: 'alice',
    uid: 42,
    time: 1_733_550_000.123,
    text: 'hello there, how are you doing today?',
  },
  'group send to 100 members of one process': {
    type: 'chat.message',
    text: 'hi',
    __asgi_channel__: Array.from({ length: 100 }, (_, n) => `specific.abcdefghijkl!${'x'.repeat(12)}${n}`),
  },
}

type Codec = [encode: (message: Record<string, unknown>) => Uint8Array, decode: (bytes: Buffer) => unknown]

const library: [Encoder, Decoder] = [new Encoder(), new Decoder()]
const fast = new FastEncoder()
// 'auto' (numbers up to 2**53, BigInts beyond) is documented but missing from the bundled types.
const packr = new Packr({ useRecords: false, int64AsType: 'auto' as 'bigint', variableMapSize: true })
const CODECS: Record<string, Codec> = {
  'fast path': [(message) => fast.encode(message, 0)!, (bytes) => fastDecode(bytes, 0)],
  '@msgpack/msgpack': [(message) => library[0].encode(message), (bytes) => library[1].decode(bytes)],
  msgpackr: [(message) => packr.pack(message), (bytes): unknown => packr.unpack(bytes) as unknown],
}

/** Nanoseconds per call of `run`, over `count` calls. */
function time(count: number, run: () => unknown): number {
  const started = process.hrtime.bigint()
  for (let index = 0; index < count; index++) run()
  return Number(process.hrtime.bigint() - started) / count
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[sorted.length >> 1]!
}

console.log(`Node ${process.version}, median of ${REPEAT} rounds, ns per message\n`)
console.log(`| message | ${Object.keys(CODECS).join(' | ')} |`)
console.log(`| --- |${' ---: |'.repeat(Object.keys(CODECS).length)}`)
for (const [name, message] of Object.entries(MESSAGES)) {
  const count = message.__asgi_channel__ === undefined ? ITERATIONS : ITERATIONS / 20
  const cells: string[] = []
  for (const [encode, decode] of Object.values(CODECS)) {
    const bytes = Buffer.from(encode(message))
    for (let index = 0; index < 2_000; index++) decode(Buffer.from(encode(message)))
    const encodes: number[] = []
    const decodes: number[] = []
    for (let round = 0; round < REPEAT; round++) {
      encodes.push(time(count, () => encode(message)))
      decodes.push(time(count, () => decode(bytes)))
    }
    cells.push(`${Math.round(median(encodes))} + ${Math.round(median(decodes))}`)
  }
  console.log(`| ${name} (encode + decode) | ${cells.join(' | ')} |`)
}
