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
 * @module
 * @internal
 */

import { Decoder, Encoder } from '@msgpack/msgpack'

import { InvalidMessageType } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { fillRandom } from '../../util/random-pool.js'
import { MultiFernet } from './fernet.js'
import { fastDecode } from './msgpack-fast-decoder.js'
import { FastEncoder } from './msgpack-fast-encoder.js'

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
}

/**
 * Encodes and decodes messages in `channels_redis`'s format.
 *
 * @internal
 */
export class WireFormat {
  readonly #encoder = new Encoder()
  readonly #decoder = new Decoder()
  /** Most messages take the fast path; the library does the rest (and everything encrypted). */
  readonly #fast = new FastEncoder()
  readonly #fernet: MultiFernet | undefined
  readonly #prefixLength: number
  readonly #ttl: number | undefined

  constructor(options: WireFormatOptions) {
    const keys = options.symmetricEncryptionKeys
    this.#fernet = keys !== undefined && keys.length > 0 ? new MultiFernet(keys) : undefined
    this.#prefixLength = options.randomPrefixLength
    this.#ttl = options.tokenTtl
  }

  /**
   * The bytes to store for `message`; `channels` becomes `__asgi_channel__`.
   *
   * @throws InvalidMessageType when the message already has an `__asgi_channel__` key.
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
      const fast = this.#fast.encode(body, this.#prefixLength)
      if (fast !== undefined) {
        // From a pool: one RNG call per message would cost more than the encoding.
        if (this.#prefixLength > 0) fillRandom(fast, this.#prefixLength)
        return fast
      }
    }
    // encodeSharedRef avoids a copy: the bytes are copied once, into the result, right here.
    const packed =
      (this.#fernet ? this.#fast.encode(body, 0) : undefined) ?? this.#encoder.encodeSharedRef(body)
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
      value = this.#decoder.decode(payload)
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return withChannels(value as LayerMessage)
  }
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
