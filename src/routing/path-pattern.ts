/**
 * Compiles a Django-style `path()` route such as `rooms/<int:id>/` into
 * regular expressions, once, when the route is declared.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { CONVERTERS } from './converters.js'
import type { Converter } from './converters.js'
import { NO_ARGS } from './pattern.js'
import type { PatternMatch, PatternMatcher } from './pattern.js'

// Django's own syntax: `<name>` or `<converter:name>`.
const PARAMETER = /<(?:([^>:]+):)?([^>]+)>/g
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g

interface Parameter {
  name: string
  converter: Converter
}

/**
 * Compiles `route`; throws `ImproperlyConfigured` when it is malformed, so a
 * typo fails at start-up instead of turning into 404s.
 *
 * @internal
 */
export function compilePathRoute(route: string): PatternMatcher {
  if (route.startsWith('/')) {
    throw new ImproperlyConfigured(
      `path('${route}') starts with '/', but routers match the path without its leading '/'. ` +
        `Write '${route.replace(/^\/+/, '')}'.`,
    )
  }
  const parameters: Parameter[] = []
  let source = '^'
  let end = 0
  for (const found of route.matchAll(PARAMETER)) {
    source += literal(route, route.slice(end, found.index))
    const [text, converterName = 'str', name = ''] = found
    const param = parameter(route, converterName, name, parameters)
    parameters.push(param)
    source += `(${param.converter.regex})`
    end = found.index + text.length
  }
  source += literal(route, route.slice(end))

  if (parameters.length === 0) return new LiteralMatcher(route)
  return new ConverterMatcher(new RegExp(source), new RegExp(`${source}$`), parameters)
}

/** A route without parameters needs no regular expression at all. */
class LiteralMatcher implements PatternMatcher {
  readonly #route: string
  constructor(route: string) {
    this.#route = route
  }
  match(path: string, endpoint: boolean): PatternMatch | null {
    const matched = endpoint ? path === this.#route : path.startsWith(this.#route)
    return matched ? { args: NO_ARGS, kwargs: {}, rest: path.slice(this.#route.length) } : null
  }
}

class ConverterMatcher implements PatternMatcher {
  readonly #prefix: RegExp
  readonly #whole: RegExp
  readonly #parameters: readonly Parameter[]
  constructor(prefix: RegExp, whole: RegExp, parameters: readonly Parameter[]) {
    this.#prefix = prefix
    this.#whole = whole
    this.#parameters = parameters
  }
  match(path: string, endpoint: boolean): PatternMatch | null {
    const found = (endpoint ? this.#whole : this.#prefix).exec(path)
    if (found === null) return null
    const kwargs: Record<string, unknown> = {}
    for (const [index, { name, converter }] of this.#parameters.entries()) {
      // As in Django, a converter that rejects its text (an int too large to
      // be exact) makes the route not match, rather than fail the request.
      const value = converter.toValue(found[index + 1] ?? '')
      if (value === undefined) return null
      kwargs[name] = value
    }
    return { args: NO_ARGS, kwargs, rest: path.slice(found[0].length) }
  }
}

function literal(route: string, text: string): string {
  if (text.includes('<') || text.includes('>')) {
    throw new ImproperlyConfigured(
      `path('${route}') has an unmatched '<' or '>'; parameters are written <name> or <converter:name>.`,
    )
  }
  return text.replace(REGEX_SPECIAL, '\\$&')
}

function parameter(
  route: string,
  converterName: string,
  name: string,
  seen: readonly Parameter[],
): Parameter {
  if (!IDENTIFIER.test(name) || name === '__proto__') {
    throw new ImproperlyConfigured(
      `path('${route}') uses the parameter name '${name}', which is not a valid identifier ` +
        `(letters, digits, '_' and '$', not starting with a digit).`,
    )
  }
  if (seen.some((other) => other.name === name)) {
    throw new ImproperlyConfigured(`path('${route}') uses the parameter name '${name}' twice.`)
  }
  if (!Object.hasOwn(CONVERTERS, converterName)) {
    throw new ImproperlyConfigured(
      `path('${route}') uses the unknown converter '${converterName}'. ` +
        `Known converters: ${Object.keys(CONVERTERS).join(', ')}; use rePath() for anything else.`,
    )
  }
  return { name, converter: CONVERTERS[converterName as keyof typeof CONVERTERS] }
}
