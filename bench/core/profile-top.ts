/**
 * Summarise a V8 .cpuprofile (node --cpu-prof) as text: the functions with the most self time, and the
 * project files with the most inclusive time. For a quick look without DevTools.
 * Run: node --import tsx bench/core/profile-top.ts <file.cpuprofile> [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { nodes: Node[]; startTime: number; endTime: number; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const total = profile.samples.length;
const usPerSample = (profile.endTime - profile.startTime) / total;

const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/');
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount);

// Inclusive time per function, counting a function once per stack (recursion is not double counted).
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const n of profile.nodes) {
  if (n.hitCount === 0) continue;
  const seen = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const key = label(byId.get(id)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + n.hitCount);
  }
}

const top = Number(values.top);
const print = (title: string, map: Map<string, number>, filter: (k: string) => boolean = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, hits] of [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${String(Math.round((hits * usPerSample) / 1000)).padStart(6)} ms  ${key}\n`);
  }
};
process.stdout.write(`${total} samples, ${Math.round((profile.endTime - profile.startTime) / 1000)} ms\n`);
print('self time', self);
print('inclusive time (src/)', inclusive, (k) => k.includes(' src/'));
