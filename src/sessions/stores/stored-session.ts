/**
 * Reading a stored session's JSON without ever failing the request: a row
 * another program wrote (Django's signed `session_data`, a hand edit) is
 * no session, reported once per store.
 *
 * @module
 * @internal
 */

import type { SessionData } from '../session-store.js'
import { warn } from '../../util/warnings.js'

/**
 * Parses one stored session; `null` (after one warning per `store`) for
 * anything that is not a JSON object.
 * @internal
 */
export function parseStoredSession(text: unknown, store: object, where: string): SessionData | null {
  if (typeof text === 'string') {
    try {
      const data: unknown = JSON.parse(text)
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as SessionData
    } catch {
      // Reported below.
    }
  }
  if (!warned.has(store)) {
    warned.add(store)
    warn(
      'CHANNELS_WRN_023',
      `${where} holds a session that is not tschannels' JSON; it counts as no session. If the table is Django's ` +
        "django_session, read it with DjangoDbSessionStore from 'tschannels/django'.",
    )
  }
  return null
}

const warned = new WeakSet<object>()
