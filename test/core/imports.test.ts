/**
 * The core's modules import each other without cycles, so each can be read (and tested) from the bottom up.
 * Type-only imports count too: a cycle of types still ties the files together for a reader.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const core = fileURLToPath(new URL('../../src/core', import.meta.url));

/** Every .ts file under `dir`, with the files of `dir` it imports (static, type-only, re-exports, import('…') types). */
function importGraph(dir: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk(dir);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      if (files.includes(target)) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** One import path that leads from a file back to itself, for each file on a cycle (depth-first search). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') found.push([...path.slice(path.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('src/core imports', () => {
  const graph = importGraph(core);

  it('have no cycle', () => {
    const named = cycles(graph).map((cycle) => cycle.map((f) => relative(core, f)).join(' → '));
    expect(named).toEqual([]);
  });

  it('leave types.ts depending on nothing but the logger’s types (ctx.scheduler is the JobsClient interface)', () => {
    expect(graph.get(join(core, 'types.ts'))!.map((f) => relative(core, f))).toEqual(['logger.ts']);
  });

  it('would see a cycle (the check itself works)', () => {
    const fake = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(fake)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
