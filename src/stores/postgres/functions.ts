/**
 * PL/pgSQL functions installed from files (functions/NAME.sql) rather than copied into migrations. A function
 * file names the statement files it runs with `{{include sql/FILE.sql [$n=$m ...]}}` lines (a `;` may follow): the statement's
 * text is put there (its final semicolon dropped, its parameters renumbered as listed), so settle.sql and
 * claim.sql stay the one source of the hot path and settle_and_claim() can never drift from them.
 *
 * migrate() calls installFunctions() at the end of its transaction, under its advisory lock, once every
 * migration is applied: each function whose built text hashes differently from the hash recorded in the
 * `functions` table (migration 008) is created or replaced, and the hash recorded. Racing processes queue on
 * the lock and find the hash already current; a database a newer hourglass migrated further is left alone, so
 * an older process never puts its older function back.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadAsset } from '../../core/assets.js';
import { substitute } from './sql.js';

export const FUNCTION_NAMES = readdirSync(fileURLToPath(new URL('functions/', import.meta.url)))
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -'.sql'.length))
  .sort();

const INCLUDE = /^\{\{include (sql\/[a-z0-9-]+\.sql)((?: \$\d+=\$\d+)*)\}\}(;?)$/gm;
const PARAM = /\$(\d+)(?!\d)/g;

/** The CREATE OR REPLACE FUNCTION statement of `name` for one schema, statement files included. */
export function buildFunction(name: string, quotedSchema: string): string {
  const template = loadAsset(import.meta.url, `functions/${name}.sql`);
  const text = template.replace(INCLUDE, (_, file: string, mapping: string, end: string) => renumber(statementOf(file), file, mapping) + end);
  if (/^\{\{include/m.test(text)) throw new Error(`functions/${name}.sql: malformed {{include …}} line`);
  return substitute(text, quotedSchema);
}

export function functionHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Install every function whose text changed since it was last installed. `client` holds the migration lock. */
export async function installFunctions(client: pg.PoolClient, quotedSchema: string, now: number): Promise<string[]> {
  const rows = (await client.query<{ name: string; hash: string }>(`SELECT name, hash FROM ${quotedSchema}.functions`)).rows;
  const installed = new Map(rows.map((r) => [r.name, r.hash]));
  const changed: string[] = [];
  for (const name of FUNCTION_NAMES) {
    const text = buildFunction(name, quotedSchema);
    const hash = functionHash(text);
    if (installed.get(name) === hash) continue;
    await client.query(text);
    await client.query(
      `INSERT INTO ${quotedSchema}.functions (name, hash, installed_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, installed_at = excluded.installed_at`,
      [name, hash, now],
    );
    changed.push(name);
  }
  return changed;
}

/** A statement file as an expression inside a function: no final semicolon. */
function statementOf(file: string): string {
  return loadAsset(import.meta.url, file).trimEnd().replace(/;$/, '');
}

/**
 * Renumber a statement's parameters to the function's (`$1=$13`). With a mapping, every parameter the
 * statement uses must be listed: a parameter added to the file must not silently mean another one here.
 */
function renumber(text: string, file: string, mapping: string): string {
  if (mapping === '') return text;
  const map = new Map(mapping.trim().split(' ').map((pair) => pair.split('=') as [string, string]));
  return text.replace(PARAM, (param) => {
    const to = map.get(param);
    if (to === undefined) throw new Error(`${file} uses ${param}, which its {{include}} line does not map`);
    return to;
  });
}
