/**
 * Checks table and schema names before they are put into SQL text, where
 * placeholders cannot go.
 *
 * @module
 * @internal
 */

import { ImproperlyConfigured } from '../../errors.js'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Returns `name` when it is a plain SQL identifier, else throws `ImproperlyConfigured`.
 * @internal
 */
export function sqlIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ImproperlyConfigured(
      `${what} '${String(name)}' is not a plain SQL identifier (letters, digits and '_', at most 63, not starting with a digit).`,
    )
  }
  return name
}
