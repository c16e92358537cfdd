import { describe } from 'vitest'

import { createSqliteDatabase } from './databases.js'
import { djangoSkipReason } from './django-peer.js'
import { runDjangoSiteSuite } from './site-suite.js'

const skipReason = djangoSkipReason()

describe.skipIf(skipReason !== undefined)('tschannels/django on SQLite', () => {
  runDjangoSiteSuite('a Django 4.2 site on SQLite', createSqliteDatabase)
})
