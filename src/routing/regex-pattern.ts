/**
 * Compiles a `rePath()` pattern: a `RegExp`, or a string in Python syntax
 * (`^chat/(?P<room>\w+)/$`) so Channels routes can be pasted unchanged.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { NO_ARGS } from './pattern.js'
import type { PatternMatch, PatternMatcher } from './pattern.js'

// A trailing `$` that is not itself escaped (`\$`).
const ENDS_WITH_DOLLAR = /(?:^|[^\\])(?:\\\\)*\$$/
const INLINE_FLAGS = /^\(\?([a-zA-Z]+)\)/
const TRANSLATABLE_FLAGS = new Set(['i', 'm', 's'])

// Python's `\A` and `\Z` anchors, but not after an escaped backslash (`\\Z` is a backslash and a Z).
const PYTHON_START = /(?<=(?:^|[^\\])(?:\\\\)*)\\A/g
const PYTHON_END = /(?<=(?:^|[^\\])(?:\\\\)*)\\Z/g

/**
 * Compiles `pattern`; throws `ImproperlyConfigured` when it is not a valid
 * regular expression.
 *
 * @internal
 */
export function compileRegexPattern(pattern: RegExp | string): PatternMatcher {
  const { source, flags } = typeof pattern === 'string' ? fromPython(pattern) : fromRegExp(pattern)
  let search: RegExp
  try {
    search = new RegExp(source, flags)
  } catch (error) {
    throw new ImproperlyConfigured(
      `rePath(${String(pattern)}) is not a valid JavaScript regular expression: ${(error as Error).message}`,
      { cause: error },
    )
  }
  // Django matches an endpoint whose pattern ends in `$` against the whole
  // path (fullmatch); `^(?:…)$` is the JavaScript spelling of that.
  const whole = ENDS_WITH_DOLLAR.test(source) ? new RegExp(`^(?:${source})$`, flags) : search
  return new RegexMatcher(search, whole)
}

class RegexMatcher implements PatternMatcher {
  readonly #search: RegExp
  readonly #whole: RegExp
  constructor(search: RegExp, whole: RegExp) {
    this.#search = search
    this.#whole = whole
  }
  match(path: string, endpoint: boolean): PatternMatch | null {
    const found = (endpoint ? this.#whole : this.#search).exec(path)
    if (found === null) return null
    const rest = path.slice(found.index + found[0].length)
    // Django's rule: a pattern with named groups passes only those, as
    // kwargs (skipping groups that did not take part); a pattern without
    // names passes every group, in order, as args.
    if (found.groups === undefined) return { args: found.slice(1), kwargs: {}, rest }
    const kwargs: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(found.groups)) {
      if (value !== undefined) kwargs[name] = value
    }
    return { args: NO_ARGS, kwargs, rest }
  }
}

function fromRegExp(pattern: RegExp): { source: string; flags: string } {
  // `g` and `y` make exec() stateful through lastIndex, which a router
  // shared by every connection cannot afford.
  return { source: pattern.source, flags: pattern.flags.replace(/[gy]/g, '') }
}

/** Rewrites the Python-only syntax Django routes use into JavaScript's. */
function fromPython(pattern: string): { source: string; flags: string } {
  let source = pattern
  let flags = ''
  const inline = INLINE_FLAGS.exec(source)
  if (inline !== null) {
    const letters = inline[1] ?? ''
    for (const letter of letters) {
      if (!TRANSLATABLE_FLAGS.has(letter)) {
        throw new ImproperlyConfigured(
          `rePath('${pattern}') uses the Python flag '${letter}', which has no JavaScript equivalent; ` +
            `only i, m and s are translated.`,
        )
      }
    }
    flags = [...new Set(letters)].join('')
    source = source.slice(inline[0].length)
  }
  source = source
    .replaceAll('(?P<', '(?<')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(PYTHON_START, '^')
    .replace(PYTHON_END, '$')
  return { source, flags }
}
