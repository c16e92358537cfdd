/**
 * The check every in-memory send makes on the message it is given.
 *
 * @module
 * @internal
 */

import { InvalidMessageType } from '../errors.js'
import type { LayerMessage } from '../types.js'

/** The cheapest check that catches the usual mistakes (a string, a missing `type`). @internal */
export function requireMessage(message: unknown): asserts message is LayerMessage {
  if (typeof message !== 'object' || message === null || typeof (message as LayerMessage).type !== 'string') {
    throw new InvalidMessageType(
      "A channel layer message must be an object with a string 'type', such as { type: 'chat.message' }; " +
        `got ${message === null ? 'null' : typeof message === 'object' ? 'an object without one' : `a ${typeof message}`}.`,
    )
  }
}
