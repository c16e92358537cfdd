/**
 * `jsonLogger()`: JSON lines, one record per line, for `--log-format json`
 * when pino is not wanted. Each line has `time` (ISO 8601), `level`
 * (`info`, `warn`, `error`), `msg` and the record's fields; an error under
 * `err` becomes `{ type, message, stack }`, as pino's serializer writes it.
 *
 * @module
 */

import type { StructuredLogger } from './server-log.js'

/**
 * A `StructuredLogger` writing JSON lines to `target` (a stream, or a
 * function given each line without its newline).
 *
 * @example
 * ```ts
 * import { jsonLogger, serve } from 'tschannels/server'
 *
 * await serve(application, { accessLog: true, structuredLogger: jsonLogger(process.stdout) })
 * ```
 */
export function jsonLogger(
  target: NodeJS.WritableStream | ((line: string) => void) = process.stdout,
): StructuredLogger {
  const write = typeof target === 'function' ? target : (line: string) => void target.write(`${line}\n`)
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...serializable(fields) }))
  return { info: at('info'), warn: at('warn'), error: at('error') }
}

function serializable(fields: Record<string, unknown>): Record<string, unknown> {
  const err = fields.err
  if (err === undefined) return fields
  return err instanceof Error ? { ...fields, err: serializeError(err) } : fields
}

function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack }
  const code = (error as { code?: unknown }).code
  if (code !== undefined) out.code = code
  if (error.cause instanceof Error) out.cause = serializeError(error.cause)
  return out
}
