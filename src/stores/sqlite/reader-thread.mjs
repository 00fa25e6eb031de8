// The SQLite store's reader thread (reader.ts starts it): its own read-only connection to the store's file,
// answering the reads whose cost grows with the table (counts, text searches), so they never hold the event
// loop that claims, settles and serves requests. Plain JavaScript, loaded as it is (no build step and no
// TypeScript loader in a worker thread): a statement's text and parameters come in, its rows go out.
// Message in: { id, sql, params }. Message out: { id, rows } or { id, error: { message, code } }.
//
// It also checkpoints the write-ahead log once asked to ({ checkpointEveryMs, synchronous }): every
// checkpointEveryMs it reads how far the log has grown, and while it grows fast runs a PASSIVE checkpoint on a
// connection of its own, so the copy and its two fsyncs happen here rather than in a worker's commit on the event
// loop (reader.ts, "Checkpoints"). Messages out: { checkpointsHere: true | false } when it takes over or hands
// back (the store moves its own connection's threshold), { checkpointError: { message, code } } once per kind of
// failure.
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
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

/**
 * When the thread checkpoints. A checkpoint copies a batch of frames with two fsyncs whatever its size, and those
 * fsyncs queue beside the application's own synchronous commits. Under a light load (an idle worker's trickle,
 * a producer's fsynced inserts) SQLite's own checkpoint in a commit, one per 1,000 frames, delays one commit: the
 * thread's, running beside several of them, delayed more of them (enqueue→start p99 ~1 ms worse, measured). So
 * the thread takes over only while the log grows fast, BUSY_FRAMES or more a tick (the store's connection then
 * keeps a higher backstop), and hands back after QUIET_TICKS ticks below it.
 */
const BUSY_FRAMES = 100;
const QUIET_TICKS = 20;
const CHECKPOINT_FRAMES = 500;
const shmPath = `${path}-shm`;
const header = Buffer.alloc(100);
const readU32 = endianness() === 'LE' ? (at) => header.readUInt32LE(at) : (at) => header.readUInt32BE(at);

/**
 * Read off the shared wal-index (the -shm file; https://www.sqlite.org/walformat.html): its header holds the log's
 * last frame (mxFrame, byte 16) and the checkpoint info after the header's two copies the frames copied so far
 * (nBackfill, byte 96), in the machine's byte order. Read without SQLite's locks, so possibly a moment stale:
 * it only decides whether to checkpoint, which is always safe. null when it cannot be read.
 */
function walFrames() {
  let fd;
  try {
    fd = openSync(shmPath, 'r');
    if (readSync(fd, header, 0, 100, 0) < 100) return null;
    return { last: readU32(16), copied: readU32(96) };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

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
  let previous = 0;
  let busy = false;
  let quiet = 0;
  checkpoints = setInterval(() => {
    const frames = walFrames();
    if (frames === null) return;
    // A log rewound to its start since the last tick grew by its whole length.
    const grew = frames.last >= previous ? frames.last - previous : frames.last;
    previous = frames.last;
    const waiting = frames.last - frames.copied;
    let handBack = false;
    if (grew >= BUSY_FRAMES) {
      quiet = 0;
      if (!busy) {
        busy = true;
        parentPort.postMessage({ checkpointsHere: true });
      }
    } else if (busy && ++quiet >= QUIET_TICKS) {
      busy = false;
      handBack = true;
    }
    // While busy, a batch at a time; on a quiet tick (and before handing back), whatever is left, so the store's
    // commits do not inherit it.
    const due = busy ? (quiet > 0 ? waiting > 0 : waiting >= CHECKPOINT_FRAMES) : handBack && waiting > 0;
    if (due) runCheckpoint();
    if (handBack) parentPort.postMessage({ checkpointsHere: false });
  }, everyMs);
  // The thread lives as long as its port is open; the timer alone must not keep it (or its process) running.
  checkpoints.unref();

  function runCheckpoint() {
    try {
      checkpoint.get();
    } catch (error) {
      // Another connection's checkpoint in progress: this one's turn comes at the next tick.
      if (error?.code !== 'SQLITE_BUSY') report(error);
    }
  }
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
