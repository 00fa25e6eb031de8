// Build: compile TypeScript to dist/, then copy the SQL and Lua files next to the modules that load them.
// Runs on `npm install` (prepare) so a fresh clone can `import('hourglass')` with plain node.
import { execFileSync } from 'node:child_process';
import { cpSync, chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (existsSync(join(dist, 'index.js'))) process.exit(0); // installed without dev deps: ship the prebuilt dist
  throw new Error('typescript is not installed: run npm install');
}
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

const assets = /\.(sql|lua|html|css|svg|js|mjs)$/; // js: the dashboard's browser scripts (src/http/dashboard), not compiled; mjs: worker-thread entry points (src/stores/sqlite/reader-thread.mjs), loaded as they are
(function copy(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) copy(path);
    else if (assets.test(entry)) cpSync(path, join(dist, relative(src, path)));
  }
})(src);
const bin = join(dist, 'cli', 'main.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
