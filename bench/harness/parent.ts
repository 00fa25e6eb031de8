/** The parent's side of a worker child: fork it, call it, read its peak RSS from the kernel. */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CALL_TIMEOUT_MS = 20 * 60_000;

type Reply = { id: number; ok: boolean; value?: unknown; error?: string };

export interface WorkerChild {
  call<T>(call: string, payload?: Record<string, unknown>): Promise<T>;
  /** VmHWM: the most RSS the process ever had (bytes); null where /proc is missing. */
  peakRss(): number | null;
  kill(): void;
}

export async function forkWorker(): Promise<WorkerChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let exited: Error | null = null;
  const up = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  child.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (!p) return;
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(`worker child: ${reply.error}`));
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`worker child exited (${signal ?? code})`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  await up;
  return {
    call<T>(call: string, payload: Record<string, unknown> = {}): Promise<T> {
      if (exited) return Promise.reject(exited);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        // A worker that never finishes (a settlement lost, a library stuck) fails the run instead of hanging it.
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker child: ${call} took more than ${CALL_TIMEOUT_MS / 60_000} minutes`));
        }, CALL_TIMEOUT_MS);
        timer.unref();
        const done = (f: (v: never) => void) => (v: unknown) => {
          clearTimeout(timer);
          f(v as never);
        };
        pending.set(id, { resolve: done(resolve), reject: done(reject) });
        child.send({ id, call, ...payload });
      });
    },
    peakRss() {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? Number(kb) * 1024 : null;
      } catch {
        return null;
      }
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
