/**
 * Summarise a V8 sampling heap profile (.heapprofile, from node-cost.ts --heap-prof or node --heap-prof): bytes
 * allocated per function (self), largest first. Sampled, so small counts are estimates.
 * Run: node --import tsx bench/core/heap-top.ts <file.heapprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const { head } = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { head: Node };
const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/');
const bytes = new Map<string, number>();
let total = 0;
(function walk(node: Node): void {
  const key = `${node.callFrame.functionName || '(anonymous)'} ${short(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
})(head);
process.stdout.write(`${(total / 1e6).toFixed(1)} MB sampled\n`);
for (const [key, size] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  process.stdout.write(`${((size / total) * 100).toFixed(1).padStart(5)}%  ${(size / 1e6).toFixed(1).padStart(7)} MB  ${key}\n`);
}
