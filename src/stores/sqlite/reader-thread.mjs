// The SQLite store's reader thread (reader.ts starts it): its own read-only connection to the store's file,
// answering the reads whose cost grows with the table (counts, text searches), so they never hold the event
// loop that claims, settles and serves requests. Plain JavaScript, loaded as it is (no build step and no
// TypeScript loader in a worker thread): a statement's text and parameters come in, its rows go out.
// Message in: { id, sql, params }. Message out: { id, rows } or { id, error: { message, code } }.
//
// It also checkpoints the write-ahead log for a busy store once asked to ({ checkpointEveryMs, synchronous }):
// a PASSIVE checkpoint every checkpointEveryMs on a connection of its own, so copying the log into the database
// and its two fsyncs happen here rather than in a worker's commit on the event loop (reader.ts, "Checkpoints").
// Message out on a failed checkpoint: { checkpointError: { message, code } }, once per kind of failure.
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

let checkpoints = null;
const reported = new Set();

function startCheckpoints(everyMs, synchronous) {
  if (checkpoints) return;
  let writer;
  try {
    // Writes nothing but the checkpoint's copy: the smallest cache will do, since it reads the log's pages once.
    writer = new Database(path, { fileMustExist: true });
    writer.pragma(`synchronous = ${synchronous}`);
    writer.pragma('cache_size = -256');
  } catch (error) {
    report(error);
    return;
  }
  const checkpoint = writer.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  checkpoints = setInterval(() => {
    try {
      checkpoint.get();
    } catch (error) {
      // Another connection's checkpoint in progress: this one's turn comes at the next tick.
      if (error?.code !== 'SQLITE_BUSY') report(error);
    }
  }, everyMs);
  // The thread lives as long as its port is open; the timer alone must not keep it (or its process) running.
  checkpoints.unref();
}

function report(error) {
  const message = String(error?.message ?? error);
  if (reported.has(message)) return;
  reported.add(message);
  parentPort.postMessage({ checkpointError: { message, code: error?.code ?? null } });
}

parentPort.on('message', (message) => {
  if (message.checkpointEveryMs !== undefined) {
    startCheckpoints(message.checkpointEveryMs, message.synchronous);
    return;
  }
  const { id, sql, params } = message;
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
