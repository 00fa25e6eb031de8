/**
 * Cross-process wake-ups for SQLite (Store.subscribe). SQLite has no notifications, but in WAL mode every commit,
 * by any process, appends to the database's write-ahead log (`<file>-wal`). The directory holding it is watched
 * (fs.watch: inotify on Linux, FSEvents on macOS; the log's recreation included), and a change to the log wakes
 * the subscriber, at most once per event-loop turn: a job another process enqueued starts within milliseconds
 * instead of at the next poll.
 *
 * Every change wakes, this process's own commits included. Telling them apart (PRAGMA data_version) was tried and
 * dropped: the log is written before the commit is published in the shared index, so a check made on the event
 * often saw nothing new, and the wake-up was lost until the next write or poll. A wake-up is a claim, and a claim
 * takes the write lock, so it waits for a commit in flight and then sees it. The cost is an empty claim after
 * this process's own writes while idle (a heartbeat now and then); while busy, the loop claims anyway.
 *
 * A hint, as the other stores' wake-ups are: the scheduler still polls. Where the platform cannot watch (a network
 * file system, no inotify watches left), watching fails at subscribe and the worker logs that it relies on
 * polling; an error while watching stops the watch, reported once through `onError`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface CommitWatch {
  close(): void;
}

export function watchCommits(path: string, onWake: () => void, onError: (error: Error) => void): CommitWatch {
  const file = resolve(path);
  const log = `${basename(file)}-wal`;
  let pending = false;
  let closed = false;
  const wake = () => {
    pending = false;
    if (!closed) onWake();
  };
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    // Some platforms give no name: then any change in the directory may be a commit.
    if (closed || pending || (name !== null && name !== log)) return;
    pending = true;
    setImmediate(wake);
  });
  watcher.on('error', (error) => {
    if (closed) return;
    closed = true;
    watcher.close();
    onError(error);
  });
  return {
    close() {
      closed = true;
      watcher.close();
    },
  };
}
