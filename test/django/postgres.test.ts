import { describe } from 'vitest'

import { createPostgresDatabase } from './databases.js'
import { djangoSkipReason } from './django-peer.js'
import { runDjangoSiteSuite } from './site-suite.js'

const skipReason = djangoSkipReason()

describe.skipIf(skipReason !== undefined)('tschannels/django on PostgreSQL', () => {
  runDjangoSiteSuite('a Django 4.2 site on PostgreSQL, in a database of its own', createPostgresDatabase)
})
