/**
 * `PasswordHasher`: what one password hashing algorithm provides. Kept apart
 * from the functions that choose a hasher, so each hasher depends on this
 * contract only.
 *
 * @module
 */

/**
 * One password hashing algorithm, as one entry of Django's
 * `PASSWORD_HASHERS`.
 *
 * @example
 * ```ts
 * const hasher: PasswordHasher = new Pbkdf2Sha256Hasher({ iterations: 600_000 })
 * const encoded = await hasher.encode('correct horse battery staple')
 * ```
 */
export interface PasswordHasher {
  /** The prefix of its encoded hashes, such as `pbkdf2_sha256`. */
  readonly algorithm: string
  /** Hashes `password` with a new random salt (or `salt`, for tests). */
  encode(password: string, salt?: string): Promise<string>
  /** Whether `password` matches `encoded`, compared in constant time. */
  verify(password: string, encoded: string): Promise<boolean>
  /** Whether `encoded` is weaker than what `encode()` makes now (fewer iterations). */
  mustUpdate(encoded: string): boolean
}
