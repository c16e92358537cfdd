/**
 * Runtime warnings: things that went wrong without failing the caller, such
 * as a channel that could not be discarded. They go through
 * `process.emitWarning` so an application can listen for them by code
 * (`process.on('warning', …)`); the codes are listed in `docs/errors.md`.
 *
 * @module
 * @internal
 */

/** Codes of the runtime warnings; never reused. */
export type WarningCode = `CHANNELS_WRN_${number}${number}${number}`

/**
 * Emits a warning with a stable code.
 * @internal
 */
export function warn(code: WarningCode, message: string): void {
  process.emitWarning(message, { code, type: 'TschannelsWarning' })
}
