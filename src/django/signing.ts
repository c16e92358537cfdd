/**
 * `django.core.signing` in TypeScript: `Signer`, `TimestampSigner`,
 * `dumps()` and `loads()`, byte for byte as Django 4.2 writes and reads
 * them (HMAC-SHA256 keyed by salt and secret, unpadded URL-safe base64, the
 * `.` flag for zlib compression, base 62 timestamps, `SECRET_KEY_FALLBACKS`).
 *
 * @module
 */

import { deflateSync, inflateSync } from 'node:zlib'

import { BadSignature, ImproperlyConfigured, SignatureExpired } from '../errors.js'
import { getSettings, requireSecretKey } from '../settings.js'
import {
  b62Decode,
  b62Encode,
  b64Decode,
  b64Encode,
  constantTimeEqual,
  pythonJsonDumps,
  pythonJsonLoads,
  saltedHmac,
} from './encoding.js'
import type { SecretKey } from './encoding.js'

export type { SecretKey } from './encoding.js'

/** Options of `Signer` and `TimestampSigner`, Django's keyword arguments. */
export interface SignerOptions {
  /** The key that signs. @default the `secretKey` setting (`SECRET_KEY`) */
  key?: SecretKey
  /** Keys that still verify but never sign. @default the `secretKeyFallbacks` setting when `key` is not given, else [] */
  fallbackKeys?: readonly SecretKey[]
  /** Separates value and signature; not a base64 character. @default ':' */
  sep?: string
  /** Namespaces the signatures. @default 'django.core.signing.Signer' (or `.TimestampSigner`) */
  salt?: string
  /** The HMAC's hash, a `node:crypto` name. @default 'sha256' */
  algorithm?: string
}

/** Options of `TimestampSigner`. */
export interface TimestampSignerOptions extends SignerOptions {
  /** The clock, in ms since the epoch; tests pass their own. @default Date.now */
  now?: () => number
}

/** Options of `signObject()` and `dumps()`. */
export interface SignObjectOptions {
  /** zlib-compress the JSON when that makes it shorter (flagged by a leading `.`). @default false */
  compress?: boolean
}

/** Options of `unsignObject()` and `loads()`. */
export interface UnsignObjectOptions {
  /** Refuse values signed more than this many seconds ago (`SignatureExpired`). @default undefined (any age) */
  maxAge?: number
  /** The most bytes a compressed value may inflate to; more is refused as `BadSignature`. @default 16777216 */
  maxInflatedBytes?: number
}

const UNSAFE_SEP = /^[A-Za-z0-9\-_=[\\\]^`]*$/
const DEFAULT_MAX_INFLATED = 16 * 1024 * 1024

/**
 * Signs strings as Django's `django.core.signing.Signer`:
 * `value:signature`, where the signature is the unpadded URL-safe base64
 * HMAC of the value with a key derived from the salt and the secret.
 *
 * @example
 * ```ts
 * declare const SECRET_KEY: string
 * const signer = new Signer({ key: SECRET_KEY, salt: 'unsubscribe' })
 * const token = signer.sign('ada@example.com')
 * signer.unsign(token) // 'ada@example.com'
 * ```
 */
export class Signer {
  readonly #key: SecretKey
  readonly #fallbackKeys: readonly SecretKey[]
  /** The separator between value and signature. */
  readonly sep: string
  /** The salt, as Django's `Signer.salt`. */
  readonly salt: string
  /** The HMAC's hash. */
  readonly algorithm: string

  constructor(options: SignerOptions = {}) {
    this.#key = options.key ?? requireSecretKey('django.core.signing')
    this.#fallbackKeys =
      options.fallbackKeys ?? (options.key === undefined ? getSettings().secretKeyFallbacks : [])
    this.sep = options.sep ?? ':'
    this.salt = options.salt || `django.core.signing.${this.constructor.name}`
    this.algorithm = options.algorithm ?? 'sha256'
    if (UNSAFE_SEP.test(this.sep)) {
      throw new ImproperlyConfigured(
        `Unsafe Signer separator ${JSON.stringify(this.sep)}: it cannot be empty or consist of only A-z0-9-_=.`,
      )
    }
    if (!Array.isArray(this.#fallbackKeys)) {
      throw new ImproperlyConfigured('Signer fallbackKeys must be a list of keys.')
    }
  }

  /** The signature of `value` with `key` (the signing key by default). */
  signature(value: string, key: SecretKey = this.#key): string {
    return b64Encode(saltedHmac(`${this.salt}signer`, value, key, this.algorithm))
  }

  /** `value` followed by the separator and its signature. */
  sign(value: string): string {
    return `${value}${this.sep}${this.signature(value)}`
  }

  /**
   * The value of a signed string, checked against the key and then each
   * fallback key; throws `BadSignature` when none verifies it.
   */
  unsign(signed: string): string {
    if (typeof signed !== 'string') throw new BadSignature('A signed value must be a string.')
    const at = signed.lastIndexOf(this.sep)
    if (at === -1) throw new BadSignature(`No "${this.sep}" found in the value.`)
    const value = signed.slice(0, at)
    const signature = signed.slice(at + this.sep.length)
    for (const key of [this.#key, ...this.#fallbackKeys]) {
      if (constantTimeEqual(signature, this.signature(value, key))) return value
    }
    throw new BadSignature('The signature does not match.')
  }

  /** JSON, base64, optionally compressed, then signed: Django's `sign_object()`. */
  signObject(value: unknown, options: SignObjectOptions = {}): string {
    let data = Buffer.from(pythonJsonDumps(value), 'latin1')
    let compressed = false
    if (options.compress === true) {
      const deflated = deflateSync(data)
      if (deflated.length < data.length - 1) {
        data = deflated
        compressed = true
      }
    }
    return this.sign((compressed ? '.' : '') + b64Encode(data))
  }

  /** The object a `signObject()` string holds: Django's `unsign_object()`. */
  unsignObject<T = unknown>(signed: string, options: UnsignObjectOptions = {}): T {
    return decodeObject<T>(this.unsignValue(signed, options), options)
  }

  /** @internal What `unsignObject` decodes; `TimestampSigner` checks the age here. */
  protected unsignValue(signed: string, _options: UnsignObjectOptions): string {
    return this.unsign(signed)
  }
}

/**
 * A `Signer` that adds the signing time (base 62 seconds), so `unsign()`
 * can refuse old values with `maxAge`, as Django's `TimestampSigner`.
 *
 * @example
 * ```ts
 * declare const SECRET_KEY: string
 * const signer = new TimestampSigner({ key: SECRET_KEY })
 * const value = signer.sign('hello')
 * signer.unsign(value, { maxAge: 3600 }) // 'hello', or SignatureExpired after an hour
 * ```
 */
export class TimestampSigner extends Signer {
  readonly #now: () => number

  constructor(options: TimestampSignerOptions = {}) {
    super(options)
    this.#now = options.now ?? Date.now
  }

  /** The current time in Django's form: base 62 whole seconds. */
  timestamp(): string {
    return b62Encode(Math.floor(this.#now() / 1000))
  }

  override sign(value: string): string {
    return super.sign(`${value}${this.sep}${this.timestamp()}`)
  }

  /**
   * The value, checked as `Signer.unsign` does, then, with `maxAge`, for
   * age: older than `maxAge` seconds throws `SignatureExpired`.
   */
  override unsign(signed: string, options: { maxAge?: number } = {}): string {
    const result = super.unsign(signed)
    const at = result.lastIndexOf(this.sep)
    const timestamp = at === -1 ? null : b62Decode(result.slice(at + this.sep.length))
    if (timestamp === null) throw new BadSignature('The signed value has no valid timestamp.')
    if (options.maxAge !== undefined) {
      const age = this.#now() / 1000 - timestamp
      if (age > options.maxAge) {
        throw new SignatureExpired(`The signature is ${Math.floor(age)} s old, over ${options.maxAge} s.`)
      }
    }
    return result.slice(0, at)
  }

  protected override unsignValue(signed: string, options: UnsignObjectOptions): string {
    return this.unsign(signed, options.maxAge === undefined ? {} : { maxAge: options.maxAge })
  }
}

/** Options of `dumps()`. */
export interface DumpsOptions extends SignObjectOptions, Pick<TimestampSignerOptions, 'key' | 'now'> {
  /** @default 'django.core.signing' */
  salt?: string
}

/** Options of `loads()`. */
export interface LoadsOptions
  extends UnsignObjectOptions, Pick<TimestampSignerOptions, 'key' | 'fallbackKeys' | 'now'> {
  /** @default 'django.core.signing' */
  salt?: string
}

/**
 * Signs `value` as Django's `signing.dumps()`: URL-safe, time-stamped,
 * readable by `signing.loads()` in Python with the same key and salt.
 *
 * @example
 * ```ts
 * const token = dumps({ user: 42 }, { salt: 'invite', compress: true })
 * ```
 */
export function dumps(value: unknown, options: DumpsOptions = {}): string {
  return new TimestampSigner(signerOptions(options)).signObject(value, options)
}

/**
 * Reads a value made by Django's `signing.dumps()` (or `dumps()`); throws
 * `BadSignature` for a forged or malformed value and `SignatureExpired`
 * past `maxAge`.
 *
 * @example
 * ```ts
 * const { user } = loads<{ user: number }>(token, { salt: 'invite', maxAge: 86_400 })
 * ```
 */
export function loads<T = unknown>(signed: string, options: LoadsOptions = {}): T {
  return new TimestampSigner(signerOptions(options)).unsignObject<T>(signed, options)
}

function signerOptions(options: DumpsOptions & LoadsOptions): TimestampSignerOptions {
  return {
    salt: options.salt ?? 'django.core.signing',
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.fallbackKeys !== undefined ? { fallbackKeys: options.fallbackKeys } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  }
}

function decodeObject<T>(text: string, options: UnsignObjectOptions): T {
  const compressed = text.startsWith('.')
  const data = b64Decode(compressed ? text.slice(1) : text)
  if (data === null) throw new BadSignature('The signed value is not base64.')
  try {
    const json = compressed
      ? inflateSync(data, { maxOutputLength: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED })
      : data
    return pythonJsonLoads(json) as T
  } catch (error) {
    throw new BadSignature('The signed value is not compressed JSON as Django writes it.', { cause: error })
  }
}
