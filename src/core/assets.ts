/**
 * Loads a store's SQL or Lua files once, from the folder of the module that asks (src/ under tsx,
 * dist/ after the build, which copies them). Keeps statements in files a person can read.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, string>();

export function loadAsset(moduleUrl: string, relativePath: string): string {
  const url = new URL(relativePath, moduleUrl);
  const key = url.href;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(fileURLToPath(url), 'utf8');
    cache.set(key, text);
  }
  return text;
}

/** Numbered migration files (`001_init.sql`), sorted by number. */
export function listMigrations(moduleUrl: string, folder: string, files: string[]): { version: number; name: string; sql: string }[] {
  return files
    .map((file) => {
      const match = /^(\d+)_(.+)\.(sql|lua)$/.exec(file);
      if (!match) throw new Error(`migration file ${file} must be named NNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: loadAsset(moduleUrl, `${folder}/${file}`) };
    })
    .sort((a, b) => a.version - b.version);
}
