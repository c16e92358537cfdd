/**
 * `tschannels/sqlite`: the SQLite session, user and token stores, the
 * embedded default that needs no server. Importing it loads `better-sqlite3`.
 *
 * @module
 */

export { SqliteSessionStore } from './sessions/stores/sqlite-session-store.js'
export type { SqliteSessionStoreOptions } from './sessions/stores/sqlite-session-store.js'
export { SqliteUserStore } from './auth/stores/sqlite-user-store.js'
export type { SqliteUserStoreOptions } from './auth/stores/sqlite-user-store.js'
export { SqliteTokenStore } from './auth/stores/sqlite-token-store.js'
export type { SqliteTokenStoreOptions } from './auth/stores/sqlite-token-store.js'
export { openSqliteDatabase } from './util/sqlite-setup.js'
export type { OpenSqliteDatabaseOptions } from './util/sqlite-setup.js'
