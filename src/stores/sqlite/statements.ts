/**
 * The SQLite store's statements, by file name under sql/. A statement may include a fragment of a rule that
 * several statements share, `{{fragment NAME}}`, replaced by sql/fragments/NAME.sql (its leading comment lines
 * dropped): the claim's reads all leave out a job queued behind its dedupe key, and that rule is written once.
 */
import { loadAsset } from '../../core/assets.js';

const FRAGMENT = /\{\{fragment ([a-z0-9-]+)\}\}/g;

export function sqlText(file: string): string {
  return loadAsset(import.meta.url, `sql/${file}`).replace(FRAGMENT, (_, name: string) =>
    loadAsset(import.meta.url, `sql/fragments/${name}.sql`).replace(/^(--.*\n)+/, '').trim(),
  );
}
