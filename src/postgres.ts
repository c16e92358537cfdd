/**
 * `tschannels/postgres`: the PostgreSQL session, user and token stores.
 * Importing it loads `pg`.
 *
 * @module
 */

export { PostgresSessionStore } from './sessions/stores/postgres-session-store.js'
export type { PostgresSessionStoreOptions } from './sessions/stores/postgres-session-store.js'
export { PostgresUserStore } from './auth/stores/postgres-user-store.js'
export type { PostgresUserStoreOptions } from './auth/stores/postgres-user-store.js'
export { PostgresTokenStore } from './auth/stores/postgres-token-store.js'
export type { PostgresTokenStoreOptions } from './auth/stores/postgres-token-store.js'
