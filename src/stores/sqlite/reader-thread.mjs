// The SQLite store's reader thread (reader.ts starts it): its own read-only connection to the store's file,
// answering the reads whose cost grows with the table (counts, text searches), so they never hold the event
// loop that claims, settles and serves requests. Plain JavaScript, loaded as it is (no build step and no
// TypeScript loader in a worker thread): a statement's text and parameters come in, its rows go out.
// Message in: { id, sql, params }. Message out: { id, rows } or { id, error: { message, code } }.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, busyTimeoutMs, cacheKb } = workerData;
const statements = new Map();
let db;
let openError = null;
try {
  // WAL: this connection reads the last committed state without waiting for the writer, and never writes.
  db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma(`cache_size = ${-cacheKb}`);
} catch (error) {
  openError = error;
}

parentPort.on('message', ({ id, sql, params }) => {
  try {
    if (openError) throw openError;
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    parentPort.postMessage({ id, rows: statement.all(params) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error?.message ?? error), code: error?.code ?? null } });
  }
});
