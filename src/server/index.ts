/**
 * `tschannels/server`: the protocol server (HTTP/1.1 and WebSocket on `ws`),
 * its attachment to an existing Node server, and the bridge that runs a
 * Node `(req, res)` handler as an application.
 *
 * @module
 */

export { serve } from './serve.js'
export type { ServerHandle } from './serve.js'
export { attach } from './attach.js'
export type { AttachHandle, AttachOptions } from './attach.js'
export { fromNodeHandler } from './node-handler.js'
export type { NodeHandler } from './node-handler.js'
export { CloseCode } from './close-codes.js'
export { defaultServeOptions } from './options.js'
export type { AccessLogTarget, ServeOptions, ServerLogger } from './options.js'
export { jsonLogger } from './json-logger.js'
export type { StructuredLogger } from './server-log.js'
export type { AuthOutcome, ServedProtocol, ServerObserver, SlowClientReason } from './observer.js'
