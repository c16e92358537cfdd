/**
 * Middleware building blocks.
 *
 * @module
 */

export { BaseMiddleware } from './base-middleware.js'
