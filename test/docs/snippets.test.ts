/**
 * Every ```ts block of the README and docs/ compiles against the package's published types (dist/*.d.ts, reached
 * by the package's own name as a user's import would be), so a renamed method or option cannot live on in the
 * documentation. A block is a fragment of an app: the names it uses without defining them (`db`, `mail`, a
 * `token`) are declared `any` for it, except the package's own, which it gets from the package (`scheduler` is a
 * `Scheduler<any>`): a call of a method or an option that does not exist still fails. `npm test` builds dist first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the blocks seem to live: inside the package, so `hourglass-jobs` resolves to it by its exports. */
const HOME = join(ROOT, 'test/docs/.blocks');

interface Block {
  /** e.g. docs/workflows.md:42 */
  where: string;
  code: string;
  /** Its virtual file. */
  path: string;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

function blocks(): Block[] {
  const out: Block[] = [];
  for (const file of [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
      const where = `${relative(ROOT, file)}:${text.slice(0, match.index).split('\n').length}`;
      out.push({ where, code: match[1]!, path: join(HOME, `block${out.length}.ts`) });
    }
  }
  return out;
}

/** What each entry point of the package exports at run time: a missing name found here is imported from it. */
async function exportsOf(): Promise<Map<string, string>> {
  const entries = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports as Record<string, unknown>;
  const found = new Map<string, string>();
  for (const sub of Object.keys(entries)) {
    if (sub.endsWith('.json')) continue;
    const specifier = `hourglass-jobs${sub.slice(1)}`;
    const module = (await import(join(ROOT, (entries[sub] as { import: string }).import))) as Record<string, unknown>;
    for (const name of Object.keys(module)) if (!found.has(name)) found.set(name, specifier);
  }
  return found;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

/** Compile the blocks, each as a module after its prelude: diagnostics by block. */
function compile(list: Block[], preludes: Map<Block, string>): Map<Block, ts.Diagnostic[]> {
  const texts = new Map(list.map((b) => [b.path, `${preludes.get(b) ?? ''}\n${b.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => texts.has(f) || fileExists.call(host, f);
  host.readFile = (f) => texts.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) =>
    texts.has(f) ? ts.createSourceFile(f, texts.get(f)!, language) : getSourceFile.call(host, f, language, ...rest);
  const program = ts.createProgram([...texts.keys()], OPTIONS, host);
  const byPath = new Map(list.map((b) => [b.path, b]));
  const out = new Map<Block, ts.Diagnostic[]>(list.map((b) => [b, []]));
  for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]) {
    const block = d.file && byPath.get(d.file.fileName);
    if (block) out.get(block)!.push(d);
  }
  return out;
}

/** Diagnostics that say a name the fragment takes from its app is not defined, and the name. */
const UNDEFINED_NAME = new Set([2304, 2552, 18004, 2749, 2582]);
function missingName(d: ts.Diagnostic): string | null {
  if (!UNDEFINED_NAME.has(d.code)) return null;
  return /'([A-Za-z_$][\w$]*)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'))?.[1] ?? null;
}

function prelude(names: Set<string>, exported: Map<string, string>): string {
  const lines: string[] = [];
  for (const name of names) {
    if (name === 'scheduler') lines.push("declare const scheduler: import('hourglass-jobs').Scheduler<any>;");
    else if (exported.has(name)) lines.push(`import { ${name} } from '${exported.get(name)}';`);
    // A value the app has; as a type too where the block uses it as one (`user: User`).
    else lines.push(`declare const ${name}: any; type ${name} = any;`);
  }
  return lines.join(' ');
}

describe('the documentation', () => {
  it('has TypeScript blocks that compile against the published types', async () => {
    const list = blocks();
    expect(list.length).toBeGreaterThan(25);
    const exported = await exportsOf();
    const first = compile(list, new Map());
    const preludes = new Map<Block, string>();
    for (const [block, diagnostics] of first) {
      const names = new Set(diagnostics.map(missingName).filter((n): n is string => n !== null));
      preludes.set(block, prelude(names, exported));
    }
    const problems: string[] = [];
    for (const [block, diagnostics] of compile(list, preludes)) {
      for (const d of diagnostics) {
        // Parameters of a callback the block passes to a function declared `any` above.
        if (d.code === 7006 || d.code === 7031) continue;
        const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        const code = (d.file?.text.split('\n')[line] ?? '').trim();
        problems.push(`${block.where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}\n    ${code}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
