/**
 * Random salts in Django's format.
 *
 * @module
 * @internal
 */

import { randomInt } from 'node:crypto'

const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/**
 * `length` random letters and digits; 22 of them carry about 131 bits, as Django's salts.
 * @internal
 */
export function randomSalt(length = 22): string {
  let salt = ''
  for (let i = 0; i < length; i++) salt += SALT_CHARS[randomInt(SALT_CHARS.length)]
  return salt
}
