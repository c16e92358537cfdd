import { InMemoryTokenStore } from '../../src/auth/token-store.js'
import { runTokenStoreSuite } from './token-store-suite.js'

runTokenStoreSuite('InMemoryTokenStore', {
  newStore: () => new InMemoryTokenStore(),
  skip: {
    'stores the hash of the token, never the token': 'the tokens live in a private Map, not a table',
    'shares tokens between two stores on one database': 'each store keeps its tokens in its own memory',
  },
})
