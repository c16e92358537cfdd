/**
 * The hidden scope field through which the server hands its real Node
 * request and response to `fromNodeHandler()`. A Symbol keeps it out of
 * JSON, out of `Object.keys()` and out of reach of code that does not import
 * it; the spread copies middleware make keep it, because spread copies own
 * Symbol properties too.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http'

/** Scope key of the server's Node exchange. @internal */
export const kNodeExchange: unique symbol = Symbol('tschannels.nodeExchange')

/** What the server offers a Node handler. @internal */
export interface NodeExchange {
  /**
   * Gives the caller the real `req`/`res` and tells the server to stop
   * managing the response (no timeout, no 500 when the application returns
   * first). Returns `null` when the application already used `receive()` or
   * `send()`, since the two styles cannot share one response.
   */
  takeOver(): { req: IncomingMessage; res: ServerResponse } | null
}

/** Reads the exchange from a scope, if the scope came from the server. @internal */
export function nodeExchangeOf(scope: object): NodeExchange | undefined {
  return (scope as { [kNodeExchange]?: NodeExchange })[kNodeExchange]
}
