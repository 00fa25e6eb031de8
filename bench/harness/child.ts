/**
 * A contender's worker, alone in its process (forked by harness/parent.ts): it loads only that contender's
 * driver and answers the parent's calls over IPC, one at a time. Its peak RSS is the worker's alone.
 */
import type { Driver, RunSpec, WorkerHandle } from './types.js';

type Call = { id: number; call: 'init'; spec: RunSpec } | { id: number; call: 'process' | 'latency' | 'idleClaims'; arg: number } | { id: number; call: 'claims' | 'stop' | 'exit' };

let handle: WorkerHandle | null = null;
const ready = () => {
  if (!handle) throw new Error('worker not initialised');
  return handle;
};

async function answer(msg: Call): Promise<unknown> {
  switch (msg.call) {
    case 'init': {
      const mod = (await import(new URL(`../${msg.spec.entry.module}`, import.meta.url).href)) as { default: Driver };
      handle = await mod.default.worker(msg.spec);
      return null;
    }
    case 'process': {
      const t0 = performance.now();
      await ready().process(msg.arg);
      return performance.now() - t0;
    }
    case 'latency':
      return (await ready().latency?.(msg.arg)) ?? [];
    case 'claims':
      return ready().claims?.() ?? null;
    case 'idleClaims':
      return (await ready().idleClaims?.(msg.arg)) ?? [];
    case 'stop':
      await ready().stop();
      return process.resourceUsage().maxRSS * 1024;
    case 'exit':
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (msg: Call) => {
  answer(msg).then(
    (value) => process.send!({ id: msg.id, ok: true, value }),
    (error: unknown) => process.send!({ id: msg.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The parent died (Ctrl-C, a timeout): do not linger holding connections or a database file.
process.on('disconnect', () => process.exit(1));
process.send!({ id: 0, ok: true, value: 'up' });
