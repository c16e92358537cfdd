/**
 * Test communicators: drive applications, routers and consumers without a
 * socket. Import from `tschannels/testing`.
 *
 * @module
 */

export { ApplicationCommunicator, DEFAULT_TIMEOUT_MS } from './application-communicator.js'
export { HttpCommunicator } from './http-communicator.js'
export type { HttpCommunicatorOptions, HttpResponse } from './http-communicator.js'
export { WebsocketCommunicator } from './websocket-communicator.js'
export type { ConnectResult, WebsocketCommunicatorOptions } from './websocket-communicator.js'
export { overrideSettings } from './override-settings.js'
export type { SettingsOverride } from './override-settings.js'
