/**
 * What becomes of a WebSocket when its application returns or fails, by the
 * state the application left it in: a handshake never answered gets an HTTP
 * status, a denial cut short loses its socket, an open socket is closed with
 * 1000 or 1011. Kept apart from the connection, like the control-event rules,
 * so the decision and its log lines live in one place, free of sockets.
 *
 * @module
 * @internal
 */

import { isExpectedError, statusForError } from './app-runner.js'
import { CloseCode } from './close-codes.js'
import type { ServerLogger } from './options.js'
import type { ConnectionState } from './websocket-control-event.js'
import { UnknownScopeType } from '../errors.js'

/** What the connection must do once its application has ended. @internal */
export type AppEndAction =
  | { readonly kind: 'reject'; readonly status: number }
  | { readonly kind: 'destroy' }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'none' }

const NONE: AppEndAction = { kind: 'none' }
const DESTROY: AppEndAction = { kind: 'destroy' }
const CLOSE_NORMAL: AppEndAction = { kind: 'close', code: CloseCode.NORMAL, reason: '' }
const CLOSE_FAILED: AppEndAction = { kind: 'close', code: CloseCode.INTERNAL_ERROR, reason: 'Internal error' }

/**
 * Decides, and logs, what follows the end of the application of the
 * WebSocket at `where`: `error` is what it failed with (`undefined` when it
 * returned), `denialStarted` whether a denial response has started.
 *
 * @internal
 */
export function actionAfterApplication(
  state: ConnectionState,
  error: unknown,
  denialStarted: boolean,
  logger: ServerLogger,
  where: string,
): AppEndAction {
  if (error instanceof UnknownScopeType && state === 'connecting') {
    // A WebSocket to an HTTP-only application: 404, with one line saying why.
    logger.warn(`WebSocket ${where}: ${error.message} Refused the handshake with 404.`)
    return { kind: 'reject', status: 404 }
  }
  if (error !== undefined && !isExpectedError(error))
    logger.error(`WebSocket application failed on ${where}.`, error)
  switch (state) {
    case 'connecting':
      if (error === undefined) {
        logger.error(`WebSocket application returned without answering the handshake on ${where}.`)
        return { kind: 'reject', status: 500 }
      }
      return { kind: 'reject', status: statusForError(error) }
    case 'denying':
      return denialStarted ? DESTROY : { kind: 'reject', status: 500 }
    case 'open':
      return error === undefined ? CLOSE_NORMAL : CLOSE_FAILED
    default:
      return NONE
  }
}
