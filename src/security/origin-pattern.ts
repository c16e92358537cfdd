/**
 * Parsing and matching the allowed-origin patterns of `OriginValidator`.
 *
 * @module
 * @internal
 */

import { ImproperlyConfigured } from '../errors.js'

/** An allowed origin, parsed once. @internal */
export interface OriginPattern {
  /** The pattern as written. */
  source: string
  /** `null` for scheme-less patterns (any scheme). */
  scheme: string | null
  /** Lower case, brackets removed; a leading `.` means the domain and its subdomains. */
  host: string
  /** `null` when any port is allowed. */
  port: number | null
}

/** An `Origin` header value, parsed. @internal */
export interface ParsedOrigin {
  scheme: string
  host: string
  port: number | null
}

const WITH_SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?\/?$/
const WITHOUT_SCHEME = /^(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?$/

/**
 * Parses one pattern: `*`, `host`, `.domain`, `host:port`, or
 * `scheme://host[:port]` (host may be `.domain`). Throws
 * `ImproperlyConfigured` for anything else.
 * @internal
 */
export function parseOriginPattern(source: string): OriginPattern | '*' {
  if (typeof source !== 'string') {
    throw new ImproperlyConfigured(`OriginValidator origins must be strings; got ${typeof source}.`)
  }
  const text = source.trim().toLowerCase()
  if (text === '*') return '*'
  const full = WITH_SCHEME.exec(text)
  if (full !== null) {
    const [, scheme = '', host = '', port] = full
    return {
      source,
      scheme,
      host: unbracket(host),
      port: port !== undefined ? toPort(source, port) : defaultPort(scheme),
    }
  }
  const bare = WITHOUT_SCHEME.exec(text)
  if (bare !== null && bare[1] !== undefined && bare[1] !== '.') {
    const [, host = '', port] = bare
    return {
      source,
      scheme: null,
      host: unbracket(host),
      port: port !== undefined ? toPort(source, port) : null,
    }
  }
  throw new ImproperlyConfigured(
    `OriginValidator cannot read the origin pattern '${source}'; use '*', 'example.com', '.example.com', ` +
      `'example.com:8000' or 'https://example.com[:port]'.`,
  )
}

/**
 * Parses an `Origin` header; `null` for `null`, junk or an origin without a host.
 * @internal
 */
export function parseOrigin(value: string): ParsedOrigin | null {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    return null
  }
  if (url.hostname === '') return null
  const scheme = url.protocol.slice(0, -1).toLowerCase()
  const port = url.port !== '' ? Number(url.port) : defaultPort(scheme)
  return { scheme, host: unbracket(url.hostname.toLowerCase()), port }
}

/**
 * Whether `origin` matches `pattern`. A pattern with a scheme must match the
 * scheme, the host and the port (default ports filled in). A scheme-less
 * pattern matches the host under any scheme, and the port too when it names
 * one.
 * @internal
 */
export function matchesOrigin(origin: ParsedOrigin, pattern: OriginPattern): boolean {
  if (!sameDomain(origin.host, pattern.host)) return false
  if (pattern.scheme !== null) return pattern.scheme === origin.scheme && pattern.port === origin.port
  return pattern.port === null || pattern.port === origin.port
}

/** Django's `is_same_domain`: `.example.com` matches it and its subdomains. */
function sameDomain(host: string, pattern: string): boolean {
  if (pattern.startsWith('.')) return host.endsWith(pattern) || host === pattern.slice(1)
  return host === pattern
}

function defaultPort(scheme: string): number | null {
  if (scheme === 'http' || scheme === 'ws') return 80
  if (scheme === 'https' || scheme === 'wss') return 443
  return null
}

function toPort(source: string, text: string): number {
  const port = Number(text)
  if (port < 1 || port > 65535) {
    throw new ImproperlyConfigured(`The origin pattern '${source}' has an invalid port.`)
  }
  return port
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
