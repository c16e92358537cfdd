/**
 * The access log: one line per HTTP response in the common log format, and
 * one line per step of a WebSocket's life (connecting, accepted or rejected,
 * disconnected with its code), the way Daphne writes them. Query values that
 * are secrets (`token`, `access_token`, `password`) are redacted, because
 * access logs travel to places credentials must not.
 *
 * @module
 */

import { detached } from '../util/detached-string.js'
import type { AccessLogTarget } from './options.js'
import type { StructuredLogger } from './server-log.js'

/**
 * Query parameters whose values are credentials by their name: any token
 * (`token`, `access_token`, `csrf_token`, `refresh_token`, a renamed
 * `queryParam` such as `jwt`), keys, secrets, passwords, sessions,
 * signatures, tickets and OAuth codes. Too wide is harmless; too narrow
 * puts a bearer credential in every log.
 */
const SECRET_NAME =
  /token|secret|passw|jwt|session|signature|ticket|credential|^auth(?:orization)?$|(?:^|[_-])(?:api)?key$|^apikey$|^sig$|^code$/i
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** One request or connection, as the log line names it. @internal */
export interface LogSubject {
  client: readonly [string, number] | null
  rawPath: string
  queryString: string
  /** The connection's id, in records and error messages. */
  conn?: string
}

/**
 * What a WebSocket connection keeps of its scope for its log lines and
 * warnings: the query string already redacted and copied, so that a token
 * sent in it is not held in memory for the connection's whole life. The
 * query string is left out when nothing will log it.
 *
 * @internal
 */
export function connectionSubject(scope: LogSubject, logged: boolean, conn: string): LogSubject {
  return {
    client: scope.client,
    rawPath: scope.rawPath,
    queryString: logged && scope.queryString ? detached(redactQuery(scope.queryString)) : '',
    conn,
  }
}

/**
 * Writes access-log lines, or records to a structured logger (then the
 * target only says whether to log); a disabled log costs one branch per event.
 * @internal
 */
export class AccessLog {
  readonly enabled: boolean
  #write: (line: string) => void
  #records: StructuredLogger | undefined
  #stampSecond = -1
  #stamp = ''

  constructor(target: AccessLogTarget, records?: StructuredLogger) {
    this.enabled = target !== false
    this.#records = records
    if (target === false) this.#write = () => {}
    else if (target === true) this.#write = (line) => process.stdout.write(line + '\n')
    else if (typeof target === 'function') this.#write = target
    else this.#write = (line) => target.write(line + '\n')
  }

  /** `host conn - [date] "GET /path?q HTTP/1.1" 200 1234` */
  http(subject: LogSubject, method: string, httpVersion: string, status: number, bytes: number): void {
    if (!this.enabled) return
    const request = `${method} ${target(subject)} HTTP/${httpVersion}`
    if (this.#records !== undefined) {
      return this.#record(subject, `${request} ${status}`, {
        event: 'http',
        method,
        httpVersion,
        status,
        bytes,
      })
    }
    this.#line(subject, `"${request}" ${status} ${bytes > 0 ? bytes : '-'}`)
  }

  /** A WebSocket step: `WSCONNECTING`, `WSCONNECT`, `WSREJECT`, `WSDISCONNECT`. */
  websocket(subject: LogSubject, step: string, status: number | string = '-', detail = ''): void {
    if (!this.enabled) return
    if (this.#records !== undefined) {
      const fields: Record<string, unknown> = { event: 'websocket', step }
      // A disconnect carries a close code; the other steps an HTTP status.
      if (status !== '-') fields[step === 'WSDISCONNECT' ? 'code' : 'status'] = status
      if (detail) fields.reason = detail
      return this.#record(subject, `${step} ${target(subject)}${status === '-' ? '' : ` ${status}`}`, fields)
    }
    this.#line(subject, `"${step} ${target(subject)}" ${status} -${detail ? ` ${printable(detail)}` : ''}`)
  }

  // Only what is listed here is logged: never a header, so no cookie or Authorization value.
  #record(subject: LogSubject, message: string, fields: Record<string, unknown>): void {
    const record: Record<string, unknown> = {
      ...fields,
      conn: subject.conn,
      client: subject.client ? `${subject.client[0]}:${subject.client[1]}` : null,
      path: subject.rawPath,
    }
    if (subject.queryString) record.query = redactQuery(subject.queryString)
    try {
      this.#records!.info(record, message)
    } catch {
      // A broken log destination must not take requests down with it.
    }
  }

  #line(subject: LogSubject, rest: string): void {
    const host = subject.client ? `${subject.client[0]}:${subject.client[1]}` : '-'
    try {
      // The connection id sits in the common log format's ident field (always `-`
      // elsewhere), so every line of one connection shares it and parsers still count fields.
      this.#write(`${host} ${subject.conn ?? '-'} - [${this.#now()}] ${rest}`)
    } catch {
      // A broken log destination must not take requests down with it.
    }
  }

  // Formatting a date is the costliest part of a line; it changes once a second.
  #now(): string {
    const now = Date.now()
    const second = Math.floor(now / 1000)
    if (second !== this.#stampSecond) {
      this.#stampSecond = second
      this.#stamp = formatClfDate(new Date(now))
    }
    return this.#stamp
  }
}

/** Replaces the values of secret query parameters with `REDACTED`. @internal */
export function redactQuery(query: string): string {
  if (!query) return query
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      let name = rawName
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '))
      } catch {
        // An undecodable name is not one of ours; keep it as it came.
      }
      return eq !== -1 && SECRET_NAME.test(name) ? `${rawName}=REDACTED` : pair
    })
    .join('&')
}

/**
 * A close reason or refusal reason as one log line may carry it: it can come
 * from the client (a peer's close reason, an Origin quoted in a refusal), so
 * control characters are escaped rather than allowed to start a forged line.
 */
function printable(detail: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return detail.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function target(subject: LogSubject): string {
  return subject.queryString ? `${subject.rawPath}?${redactQuery(subject.queryString)}` : subject.rawPath
}

function formatClfDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  return (
    `${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  )
}
