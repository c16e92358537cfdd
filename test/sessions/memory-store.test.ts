import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { runSessionStoreSuite } from './session-store-suite.js'

runSessionStoreSuite('InMemorySessionStore', {
  newStore: () => new InMemorySessionStore({ sweepIntervalMs: 0 }),
})
