/**
 * The path converters `path()` understands, as in Django: `str`, `int`,
 * `slug`, `uuid` and `path`.
 *
 * @module
 */

/**
 * How one `<converter:name>` segment matches and what value it yields.
 *
 * @internal
 */
export interface Converter {
  /** A regular-expression fragment without capturing groups. */
  readonly regex: string
  /** Turns the matched text into the kwarg value, or returns `undefined` to reject the match. */
  toValue(raw: string): unknown
}

const same = (raw: string): string => raw

/**
 * The converters by name. The regular expressions are Django's, so a route
 * written for Channels matches the same paths here.
 *
 * @internal
 */
export const CONVERTERS: Readonly<Record<ConverterName, Converter>> = Object.freeze({
  str: { regex: '[^/]+', toValue: same },
  int: {
    regex: '[0-9]+',
    // Django would return a Python int of any size; a JavaScript number past
    // 2^53 silently loses digits, so such a path does not match at all.
    toValue: (raw: string): number | undefined => {
      const value = Number(raw)
      return Number.isSafeInteger(value) ? value : undefined
    },
  },
  slug: { regex: '[-a-zA-Z0-9_]+', toValue: same },
  // Lower case only, like Django: a UUID is one resource, so it has one spelling.
  uuid: { regex: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', toValue: same },
  path: { regex: '.+', toValue: same },
})

/** The value type each converter yields in `scope.urlRoute.kwargs`. */
export interface ConverterTypes {
  /** Any text without a `/` (the default when no converter is named). */
  str: string
  /** Digits, converted to a number. */
  int: number
  /** ASCII letters, digits, `-` and `_`. */
  slug: string
  /** A lower-case UUID such as `075194d3-6885-417e-a8a8-6c931e272f00`, kept as a string. */
  uuid: string
  /** Any non-empty text, `/` included. */
  path: string
}

/** The converter names `path()` accepts: `str`, `int`, `slug`, `uuid`, `path`. */
export type ConverterName = keyof ConverterTypes
