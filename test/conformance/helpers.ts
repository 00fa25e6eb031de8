import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Child {
  process: ChildProcess;
  lines: string[];
  waitFor(line: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Each whole line a child writes to `stream`, pushed onto `lines` as it arrives. */
export function collectLines(stream: NodeJS.ReadableStream, lines: string[]): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
}

/** Start test/conformance/child-worker.ts in a real process. */
export function spawnWorker(url: string, mode: 'race' | 'crash' | 'every' | 'lease'): Child {
  const script = fileURLToPath(new URL('./child-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, url, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  collectLines(child.stdout!, lines);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exited,
    async waitFor(line, timeoutMs = 20_000) {
      const match = (l: string) => (typeof line === 'string' ? l === line : line.test(l));
      await waitUntil(() => lines.some(match) || child.exitCode !== null, timeoutMs, `child line ${line}`).catch((e) => {
        throw new Error(`${(e as Error).message}; child stderr: ${stderr.slice(-2000)}`);
      });
      const found = lines.find(match);
      if (!found) throw new Error(`child exited (${child.exitCode}) before printing ${line}; stderr: ${stderr.slice(-2000)}`);
      return found;
    },
  };
}
