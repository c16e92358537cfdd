/**
 * The building blocks of `django.core.signing`: `salted_hmac`, unpadded
 * URL-safe base64, base 62 timestamps, and JSON as Python's `json.dumps`
 * writes it for Django's `JSONSerializer`.
 *
 * @module
 * @internal
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** A secret key as Django takes it: text (UTF-8) or bytes. */
export type SecretKey = string | Uint8Array

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * Django's `salted_hmac(key_salt, value, secret, algorithm=…)`: an HMAC
 * keyed with `hash(key_salt + secret)`.
 * @internal
 */
export function saltedHmac(
  keySalt: string,
  value: string | Uint8Array,
  secret: SecretKey,
  algorithm: string,
): Buffer {
  const key = createHash(algorithm)
    .update(Buffer.concat([Buffer.from(keySalt), toBytes(secret)]))
    .digest()
  return createHmac(algorithm, key).update(value).digest()
}

/** Django's `b64_encode`: URL-safe base64 without padding. @internal */
export function b64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/**
 * Django's `b64_decode`, strictly: `null` for anything that is not URL-safe
 * base64 (Node's decoder would skip stray characters silently).
 * @internal
 */
export function b64Decode(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null
  return Buffer.from(text, 'base64url')
}

/** Django's `b62_encode`, for whole seconds. @internal */
export function b62Encode(value: number): string {
  if (value === 0) return '0'
  let rest = Math.abs(value)
  let encoded = ''
  while (rest > 0) {
    encoded = BASE62[rest % 62]! + encoded
    rest = Math.floor(rest / 62)
  }
  return (value < 0 ? '-' : '') + encoded
}

/** Django's `b62_decode`; `null` for a string that is not base 62. @internal */
export function b62Decode(text: string): number | null {
  const match = /^(-?)([0-9A-Za-z]{1,10})$/.exec(text)
  if (match === null) return null
  let value = 0
  for (const digit of match[2]!) value = value * 62 + BASE62.indexOf(digit)
  return match[1] === '-' ? -value : value
}

/**
 * Compares two strings in time that depends only on their length, as
 * Django's `constant_time_compare`.
 * @internal
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * `json.dumps(value, separators=(",", ":"))` as Python writes it: compact,
 * with every character outside printable ASCII escaped, so the text is
 * pure ASCII and Django's Latin-1 decoding reads it back unchanged.
 * @internal
 */
export function pythonJsonDumps(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * `json.loads(data.decode("latin-1"))`, as Django's `JSONSerializer` reads.
 * @internal
 */
export function pythonJsonLoads(data: Uint8Array): unknown {
  return JSON.parse(Buffer.from(data).toString('latin1'))
}

/** @internal */
export function toBytes(key: SecretKey): Buffer {
  return typeof key === 'string' ? Buffer.from(key) : Buffer.from(key)
}
