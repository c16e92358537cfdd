/**
 * Django's `SESSION_ENGINE` values and which of them tschannels reads.
 *
 * @module
 * @internal
 */

import { ImproperlyConfigured } from '../errors.js'

/** The session engines tschannels reads. */
export type DjangoSessionEngine = 'db' | 'cached_db' | 'signed_cookies'

const PREFIX = 'django.contrib.sessions.backends.'
const READABLE: readonly DjangoSessionEngine[] = ['db', 'cached_db', 'signed_cookies']

/**
 * The engine `SESSION_ENGINE` names (dotted or short), or
 * `ImproperlyConfigured` for one tschannels cannot read, saying what to use.
 * @internal
 */
export function resolveSessionEngine(name: string | undefined): DjangoSessionEngine {
  const given = name ?? `${PREFIX}db`
  const short = given.startsWith(PREFIX) ? given.slice(PREFIX.length) : given
  if ((READABLE as readonly string[]).includes(short)) return short as DjangoSessionEngine
  if (short === 'cache') {
    throw new ImproperlyConfigured(
      `SESSION_ENGINE '${given}' keeps sessions only in Django's cache, as pickles, which tschannels will not ` +
        `unpickle. Switch Django to '${PREFIX}cached_db': as fast for Django, and every session is also in ` +
        'django_session, where tschannels reads it.',
    )
  }
  if (short === 'file') {
    throw new ImproperlyConfigured(
      `SESSION_ENGINE '${given}' keeps sessions in files on the Django server; tschannels reads '${PREFIX}db', ` +
        `'${PREFIX}cached_db' and '${PREFIX}signed_cookies'. Switch Django to '${PREFIX}cached_db'.`,
    )
  }
  throw new ImproperlyConfigured(
    `SESSION_ENGINE '${given}' is not one tschannels reads; use '${PREFIX}db', '${PREFIX}cached_db' or ` +
      `'${PREFIX}signed_cookies'.`,
  )
}
