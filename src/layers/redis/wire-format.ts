/**
 * The bytes `channels_redis` 4.x stores in Redis for one message, written
 * and read here so that Python and Node processes understand each other:
 *
 * - the message is a msgpack map (`use_bin_type`: strings as `str`, bytes as
 *   `bin`);
 * - with `symmetricEncryptionKeys`, that map is wrapped in a Fernet token;
 * - the core layer puts `randomPrefixLength` random bytes (12 by default) in
 *   front, because identical messages would otherwise collapse into one
 *   member of the channel's sorted set;
 * - a message for a process-local channel (`name!local`) carries the full
 *   channel name under `__asgi_channel__`, a string for a direct send, a list
 *   of names for a group send; the receiving process routes on it.
 *
 * Python reads what Node writes and the other way round, value for value:
 * an integer beyond 2**53 arrives as a BigInt and a BigInt leaves as a
 * 64-bit integer; a lone surrogate (legal in a JS string, not in UTF-8)
 * leaves as U+FFFD, so the bytes are always UTF-8. What cannot be written
 * (a function, a symbol, a cycle, an integer beyond 64 bits) throws
 * `UnencodableMessage`. A float with no fraction (`1.0`) is the number `1`
 * in JS, so Python receives the int `1`.
 *
 * The speed trick here: most messages are written and read by the module's
 * own small msgpack code (`msgpack-fast-*.ts`), which costs a third to a
 * half of `@msgpack/msgpack` per message; the library does the rest. The
 * switch `TSCHANNELS_MSGPACK_FAST=0` sends everything through the library.
 *
 * @module
 * @internal
 */

import type * as Msgpack from '@msgpack/msgpack'

import { ChannelsError, InvalidMessageType, UnencodableMessage } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { requirePeer } from '../../util/optional-peer.js'
import { fillRandom } from '../../util/random-pool.js'
import { MultiFernet } from './fernet.js'
import { exact, fastDecode } from './msgpack-fast-decoder.js'
import { FastEncoder } from './msgpack-fast-encoder.js'

const { Decoder, Encoder } = requirePeer<typeof Msgpack>(
  '@msgpack/msgpack',
  'The Redis channel layers (tschannels/layers/redis)',
)

/** The message key that carries the process-local channel name(s). */
export const ASGI_CHANNEL_KEY = '__asgi_channel__'

/** A decoded message and the channel name(s) it was addressed to, if it carried any. */
export interface DecodedMessage {
  message: LayerMessage
  /** `__asgi_channel__`: one name (direct send) or several (group send). */
  channels: string | string[] | undefined
}

/** How a layer encodes its messages. */
export interface WireFormatOptions {
  /** Keys for Fernet encryption; none means plain msgpack. */
  symmetricEncryptionKeys?: ReadonlyArray<string | Uint8Array> | undefined
  /** Random bytes in front of each message (core layer: 12; pub/sub: 0). */
  randomPrefixLength: number
  /** Seconds a Fernet token is accepted for; `undefined` for any age (pub/sub). */
  tokenTtl?: number | undefined
  /** Whether the fast msgpack path is used (`TSCHANNELS_MSGPACK_FAST=0` turns it off). @default true */
  fastCodec?: boolean | undefined
}

/** Deeper than this, a message is taken to hold a cycle. */
const MAX_DEPTH = 100
const UINT64_MAX = 2n ** 64n - 1n
const INT64_MIN = -(2n ** 63n)
const FAST_BY_DEFAULT = process.env.TSCHANNELS_MSGPACK_FAST !== '0'

/**
 * Encodes and decodes messages in `channels_redis`'s format.
 *
 * @internal
 */
export class WireFormat {
  // BigInts are 64-bit integers both ways; `forLibrary()` makes large safe integers BigInts first,
  // because with this option the library would write them as floats.
  readonly #encoder = new Encoder({ useBigInt64: true })
  readonly #decoder = new Decoder({ useBigInt64: true })
  /** Most messages take the fast path; the library does the rest. */
  readonly #fast: FastEncoder | undefined
  readonly #fernet: MultiFernet | undefined
  readonly #prefixLength: number
  readonly #ttl: number | undefined

  constructor(options: WireFormatOptions) {
    const keys = options.symmetricEncryptionKeys
    this.#fernet = keys !== undefined && keys.length > 0 ? new MultiFernet(keys) : undefined
    this.#prefixLength = options.randomPrefixLength
    this.#ttl = options.tokenTtl
    this.#fast = (options.fastCodec ?? FAST_BY_DEFAULT) ? new FastEncoder() : undefined
  }

  /**
   * The bytes to store for `message`; `channels` becomes `__asgi_channel__`.
   *
   * @throws InvalidMessageType when the message already has an `__asgi_channel__` key.
   * @throws UnencodableMessage when something in the message cannot be written.
   */
  encode(message: LayerMessage, channels?: string | readonly string[]): Buffer {
    if (Object.hasOwn(message, ASGI_CHANNEL_KEY)) {
      throw new InvalidMessageType(
        `A channel layer message may not have a '${ASGI_CHANNEL_KEY}' key: the Redis layers use it to route ` +
          'messages to process-local channels. Rename the field.',
      )
    }
    const body = channels === undefined ? message : { ...message, [ASGI_CHANNEL_KEY]: channels }
    if (this.#fernet === undefined) {
      const fast = this.#fast?.encode(body, this.#prefixLength)
      if (fast !== undefined) {
        // From a pool: one RNG call per message would cost more than the encoding.
        if (this.#prefixLength > 0) fillRandom(fast, this.#prefixLength)
        return fast
      }
    }
    const packed = (this.#fernet ? this.#fast?.encode(body, 0) : undefined) ?? this.#libraryEncode(body)
    const payload = this.#fernet === undefined ? packed : this.#fernet.encrypt(packed)
    const result = Buffer.allocUnsafe(this.#prefixLength + payload.length)
    if (this.#prefixLength > 0) fillRandom(result, this.#prefixLength)
    result.set(payload, this.#prefixLength)
    return result
  }

  /**
   * The message in `bytes`, or `undefined` when it cannot be read (another
   * format, a key this layer does not have, an expired token).
   */
  decode(bytes: Buffer): DecodedMessage | undefined {
    if (bytes.length <= this.#prefixLength) return undefined
    const fast = this.#fernet === undefined ? fastDecode(bytes, this.#prefixLength) : undefined
    if (fast !== undefined) return withChannels(fast)
    // A plain Uint8Array view: msgpack returns `bin` values as views of its input, and a Buffer
    // input would make them Buffers, which compare unequal to the Uint8Array the sender had.
    let payload = new Uint8Array(
      bytes.buffer,
      bytes.byteOffset + this.#prefixLength,
      bytes.length - this.#prefixLength,
    )
    if (this.#fernet !== undefined) {
      const plain = this.#fernet.decrypt(payload, this.#ttl)
      if (plain === undefined) return undefined
      const fastPlain = fastDecode(plain, 0)
      if (fastPlain !== undefined) return withChannels(fastPlain)
      payload = new Uint8Array(plain.buffer, plain.byteOffset, plain.length)
    }
    let value: unknown
    try {
      value = exactIntegers(this.#decoder.decode(payload), 0)
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return withChannels(value as LayerMessage)
  }

  #libraryEncode(body: LayerMessage): Uint8Array {
    try {
      // encodeSharedRef avoids a copy: the caller copies the bytes once, into its result.
      return this.#encoder.encodeSharedRef(forLibrary(body, 0))
    } catch (error) {
      if (error instanceof ChannelsError) throw error
      throw new UnencodableMessage(
        `A channel layer message could not be encoded as msgpack (${error instanceof Error ? error.message : String(error)}). ` +
          'Send plain data: strings, numbers, booleans, null, bytes, lists and objects of them.',
        { cause: error },
      )
    }
  }
}

/**
 * `value` as the library must see it to write what the fast path writes:
 * strings well-formed (a lone surrogate becomes U+FFFD), integers beyond 32
 * bits as BigInts, BigInts within 64 bits. A copy where anything changes.
 */
function forLibrary(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) ? value : toWellFormed(value)
    case 'number':
      return Number.isSafeInteger(value) && (value >= 0x100000000 || value < -0x80000000)
        ? BigInt(value)
        : value
    case 'bigint':
      if (value > UINT64_MAX || value < INT64_MIN) {
        throw new UnencodableMessage(
          `A channel layer message holds the integer ${value}, outside the 64-bit range msgpack carries ` +
            '(-2**63 to 2**64 - 1). Send it as a string.',
        )
      }
      return value
    case 'object': {
      if (
        value === null ||
        ArrayBuffer.isView(value) ||
        value instanceof ArrayBuffer ||
        value instanceof Date
      )
        return value
      if (depth >= MAX_DEPTH) {
        throw new UnencodableMessage(
          `A channel layer message is nested more than ${MAX_DEPTH} levels deep, or refers to itself. ` +
            'Send a tree of plain data.',
        )
      }
      if (Array.isArray(value)) return value.map((item) => forLibrary(item, depth + 1))
      if (value instanceof Map) {
        return new Map(
          [...value].map(([key, item]) => [forLibrary(key, depth + 1), forLibrary(item, depth + 1)]),
        )
      }
      const copy: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value))
        copy[forLibrary(key, depth + 1) as string] = forLibrary(item, depth + 1)
      return copy
    }
    default:
      return value
  }
}

/** What the library decoded, with the 64-bit integers that fit a number exactly made numbers. */
function exactIntegers(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return exact(value)
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth >= MAX_DEPTH)
    return value
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = exactIntegers(value[index], depth + 1)
  } else if (!(value instanceof Date)) {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) record[key] = exactIntegers(record[key], depth + 1)
  }
  return value
}

/** `String.prototype.isWellFormed` and `toWellFormed` (ES2024, in Node 20), which the ES2023 lib does not declare. */
function isWellFormed(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed()
}

function toWellFormed(value: string): string {
  return (value as unknown as { toWellFormed(): string }).toWellFormed()
}

/** Takes `__asgi_channel__` out of a decoded message. */
function withChannels(message: LayerMessage): DecodedMessage {
  const channels = message[ASGI_CHANNEL_KEY]
  if (channels !== undefined) delete message[ASGI_CHANNEL_KEY]
  return {
    message,
    channels:
      typeof channels === 'string' || Array.isArray(channels) ? (channels as string | string[]) : undefined,
  }
}
