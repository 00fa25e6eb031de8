/** hourglass/postgres: the PostgreSQL store. The only entry point that loads `pg`. */
export { PostgresStore, type PostgresStoreOptions } from './store.js';
