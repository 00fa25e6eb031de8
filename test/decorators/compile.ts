/**
 * Compile a decorator fixture the way users' builds do, then import it. Vitest's own transform (oxc, in
 * Vite 8) lowers neither decorator flavour for Node 20, so tests compile fixtures themselves: with esbuild
 * (what tsx, vite's esbuild mode and most bundlers use) and with tsc, each in both flavours.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import ts from 'typescript';

export type Flavour = 'standard' | 'legacy';
export type Compiler = 'esbuild' | 'tsc';
export const BUILDS: { flavour: Flavour; compiler: Compiler }[] = [
  { flavour: 'standard', compiler: 'esbuild' },
  { flavour: 'standard', compiler: 'tsc' },
  { flavour: 'legacy', compiler: 'esbuild' },
  { flavour: 'legacy', compiler: 'tsc' },
];

const outDir = mkdtempSync(join(tmpdir(), 'hourglass-decorators-'));

export async function compile(source: string, flavour: Flavour, compiler: Compiler): Promise<string> {
  const experimentalDecorators = flavour === 'legacy';
  if (compiler === 'esbuild') {
    const result = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', tsconfigRaw: { compilerOptions: { experimentalDecorators } } });
    return result.code;
  }
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators },
  }).outputText;
}

/** The fixture's default export, compiled as asked. Fixtures import types only, so the output stands alone. */
export async function loadFixture<T>(file: string, flavour: Flavour, compiler: Compiler): Promise<T> {
  const code = await compile(readFileSync(file, 'utf8'), flavour, compiler);
  const out = join(outDir, `${basename(file, '.ts')}.${flavour}.${compiler}.${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(out, code);
  return ((await import(pathToFileURL(out).href)) as { default: T }).default;
}

/** Like loadFixture, for a short inline source whose default export takes the decorators module. */
export async function loadSource<T>(source: string, flavour: Flavour, compiler: Compiler): Promise<T> {
  const code = await compile(source, flavour, compiler);
  const out = join(outDir, `inline.${flavour}.${compiler}.${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(out, code);
  return ((await import(pathToFileURL(out).href)) as { default: T }).default;
}
