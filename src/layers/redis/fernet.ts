/**
 * Fernet symmetric encryption (the token format of Python's
 * `cryptography.fernet`), with several keys for rotation like its
 * `MultiFernet`: encrypt with the first key, decrypt with any.
 *
 * `channels_redis` turns each configured key, of any length, into a Fernet
 * key by hashing it with SHA-256; the first 16 bytes of the digest sign,
 * the last 16 encrypt. A token is
 * `0x80 | timestamp (u64 BE) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32)`,
 * base64url-encoded with padding. It runs once per message, so it is a few
 * `node:crypto` calls rather than a dependency.
 *
 * @see https://github.com/fernet/spec/blob/master/Spec.md
 * @module
 * @internal
 */

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'

const VERSION = 0x80
const HEADER_BYTES = 1 + 8 + 16
const MAC_BYTES = 32
/** Tokens stamped further than this in the future are refused, as `cryptography` does. */
const MAX_CLOCK_SKEW_S = 60

interface FernetKey {
  readonly signing: Buffer
  readonly encryption: Buffer
}

/**
 * Encrypts with the first key and decrypts with whichever key fits, so keys
 * can be rotated: put the new key first, keep the old one until every
 * message it encrypted has expired.
 *
 * @internal
 */
export class MultiFernet {
  readonly #keys: readonly FernetKey[]

  /**
   * @param keys - The keys as configured (`symmetric_encryption_keys`); each is hashed with SHA-256
   *   exactly as `channels_redis` does.
   */
  constructor(keys: ReadonlyArray<string | Uint8Array>) {
    this.#keys = keys.map(deriveKey)
  }

  /**
   * The Fernet token for `plaintext`, as ASCII bytes.
   *
   * @param now - Seconds since the epoch to stamp the token with (tests).
   */
  encrypt(plaintext: Uint8Array, now: number = Date.now() / 1000): Buffer {
    const key = this.#keys[0]!
    const iv = randomBytes(16)
    const cipher = createCipheriv('aes-128-cbc', key.encryption, iv)
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
    const body = Buffer.allocUnsafe(HEADER_BYTES + ciphertext.length + MAC_BYTES)
    body[0] = VERSION
    body.writeBigUInt64BE(BigInt(Math.floor(now)), 1)
    iv.copy(body, 9)
    ciphertext.copy(body, HEADER_BYTES)
    const macStart = HEADER_BYTES + ciphertext.length
    createHmac('sha256', key.signing).update(body.subarray(0, macStart)).digest().copy(body, macStart)
    // Python's urlsafe_b64decode insists on padding, which Node's 'base64url' leaves out.
    return Buffer.from(padBase64(body.toString('base64url')), 'latin1')
  }

  /**
   * The plaintext of `token`, or `undefined` when no key authenticates it,
   * it is malformed, or it is older than `ttl` seconds.
   *
   * @param ttl - Maximum age in seconds; `undefined` accepts any age.
   */
  decrypt(token: Uint8Array, ttl?: number, now: number = Date.now() / 1000): Buffer | undefined {
    const text = Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('latin1')
    if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined
    const data = Buffer.from(text, 'base64url')
    if (data.length < HEADER_BYTES + 16 + MAC_BYTES || data[0] !== VERSION) return undefined
    const ciphertextLength = data.length - HEADER_BYTES - MAC_BYTES
    if (ciphertextLength % 16 !== 0) return undefined
    const timestamp = Number(data.readBigUInt64BE(1))
    if (ttl !== undefined && timestamp + ttl < now) return undefined
    if (timestamp > now + MAX_CLOCK_SKEW_S) return undefined
    const macStart = data.length - MAC_BYTES
    const signed = data.subarray(0, macStart)
    const mac = data.subarray(macStart)
    for (const key of this.#keys) {
      const expected = createHmac('sha256', key.signing).update(signed).digest()
      if (!timingSafeEqual(expected, mac)) continue
      try {
        const decipher = createDecipheriv('aes-128-cbc', key.encryption, data.subarray(9, HEADER_BYTES))
        return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES, macStart)), decipher.final()])
      } catch {
        // Bad padding under a valid MAC: the token was made wrongly; no other key can fix that.
        return undefined
      }
    }
    return undefined
  }
}

function deriveKey(key: string | Uint8Array): FernetKey {
  const digest = createHash('sha256')
    .update(typeof key === 'string' ? Buffer.from(key, 'utf8') : key)
    .digest()
  return { signing: digest.subarray(0, 16), encryption: digest.subarray(16, 32) }
}

function padBase64(text: string): string {
  const remainder = text.length % 4
  return remainder === 0 ? text : text + '='.repeat(4 - remainder)
}
