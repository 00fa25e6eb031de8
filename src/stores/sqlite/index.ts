/** hourglass/sqlite: the embedded store (better-sqlite3 is loaded only through this entry point). */
export { SqliteStore, type SqliteStoreOptions } from './store.js';
