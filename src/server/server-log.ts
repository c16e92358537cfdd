/**
 * Where the server's own messages go, in one of two shapes: lines for a
 * console-like `ServerLogger`, or records for a `StructuredLogger` (the
 * shape of a pino instance: fields first, then the message). Every message
 * about one connection names that connection's id, so its access records,
 * its close and its errors can be found together.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import type { ServerLogger } from './options.js'

/**
 * A logger that takes fields and a message, as pino does
 * (`logger.info({ conn: 'a1b2c3-7' }, 'closed')`): a pino instance is one.
 */
export interface StructuredLogger {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

/** The server's messages, with the connection they are about. @internal */
export class ServerLog {
  readonly #lines: ServerLogger
  readonly #records: StructuredLogger | undefined

  constructor(lines: ServerLogger, records: StructuredLogger | undefined) {
    this.#lines = lines
    this.#records = records
  }

  error(message: string, error?: unknown, conn?: string): void {
    guard(() => {
      if (this.#records !== undefined) this.#records.error(fields(conn, error), message)
      else if (error === undefined) this.#lines.error(named(message, conn))
      else this.#lines.error(named(message, conn), error)
    })
  }

  warn(message: string, conn?: string): void {
    guard(() => {
      if (this.#records !== undefined) this.#records.warn(fields(conn), message)
      else this.#lines.warn(named(message, conn))
    })
  }

  info(message: string): void {
    guard(() => {
      if (this.#records !== undefined) this.#records.info({}, message)
      else this.#lines.info(message)
    })
  }

  /** A `ServerLogger` whose messages name connection `conn`. */
  forConnection(conn: string): ServerLogger {
    return {
      error: (message, error) => this.error(message, error, conn),
      warn: (message) => this.warn(message, conn),
      info: (message) => this.info(message),
    }
  }
}

/** Hands out connection ids: unique in this process, and across processes by a random prefix. @internal */
export class ConnectionIds {
  readonly #prefix = randomBytes(3).toString('hex')
  #count = 0

  next(): string {
    return `${this.#prefix}-${(++this.#count).toString(36)}`
  }
}

function named(message: string, conn: string | undefined): string {
  return conn === undefined ? message : `${message} (connection ${conn})`
}

function fields(conn: string | undefined, error?: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (conn !== undefined) out.conn = conn
  if (error !== undefined) out.err = error
  return out
}

function guard(write: () => void): void {
  try {
    write()
  } catch {
    // A broken log destination must not take requests down with it.
  }
}
