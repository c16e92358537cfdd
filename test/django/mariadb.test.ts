import { describe } from 'vitest'

import { createMariadbDatabase } from './databases.js'
import { djangoSkipReason } from './django-peer.js'
import { runDjangoSiteSuite } from './site-suite.js'

const skipReason = djangoSkipReason()

describe.skipIf(skipReason !== undefined)('tschannels/django on MariaDB', () => {
  runDjangoSiteSuite('a Django 4.2 site on MariaDB, in a database of its own', createMariadbDatabase)
})
