/**
 * The store's SQL: one file per operation under sql/, read once, with the schema placeholder replaced by the
 * validated, quoted identifier. Values never go into the text: every statement takes them as parameters.
 */
import { createHash } from 'node:crypto';
import { loadAsset } from '../../core/assets.js';
import { ValidationError } from '../../core/errors.js';
import { lostRunMessage } from '../../core/rules/claim.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/i;

/** Throws unless `name` is a plain identifier; the result is safe to quote and splice. */
export function validateSchema(name: unknown): string {
  if (typeof name !== 'string' || !SCHEMA_NAME.test(name)) {
    throw new ValidationError('schema', name, 'must be 1-63 letters, digits or underscores, not starting with a digit');
  }
  return name;
}

/** A validated name as a quoted identifier (case is kept, as the user wrote it). */
export function quoteIdent(name: string): string {
  return `"${validateSchema(name)}"`;
}

/**
 * The NOTIFY channel of a schema. Channel names are identifiers (at most 63 bytes), so a long schema name
 * is hashed rather than truncated: two long names sharing a prefix must not share a channel.
 */
export function channelFor(schema: string): string {
  const plain = `hourglass_${schema}`;
  if (plain.length <= 63) return plain;
  return `hourglass_${createHash('sha1').update(schema).digest('hex')}`;
}

/** The Store method each file of sql/ serves (what an error names: storeError's `operation`); its keys are the files. */
export const OPERATION_OF = {
  'acquire-lock': 'acquireLock',
  cancel: 'cancel',
  claim: 'claim',
  'claim-jobs': 'claim',
  'count-by-name': 'countJobsByName',
  'dedupe-lock': 'insert',
  'flow-adopt': 'insertFlow',
  'flow-cascade': 'cancel',
  'flow-edges': 'insertFlow',
  'flow-holders': 'insertFlow',
  'flow-ids': 'insertFlow',
  'flow-insert': 'insertFlow',
  'flow-once-holders': 'insertFlow',
  'flow-removed': 'remove',
  'flow-restore': 'trigger',
  'finished-at': 'finishedAt',
  'get-job': 'getJob',
  'get-jobs': 'getJobs',
  'group-counts': 'groupCounts',
  'group-forget': 'pruneGroups',
  'group-prune-page': 'pruneGroups',
  heartbeat: 'heartbeat',
  history: 'history',
  insert: 'insert',
  'insert-plain': 'insert',
  'insert-replace': 'insert',
  'list-processes': 'listProcesses',
  'lock-job': 'remove',
  pause: 'setPaused',
  'paused-names': 'pausedNames',
  progress: 'saveProgress',
  prune: 'prune',
  'put-process': 'putProcess',
  'rate-free-at': 'rateFreeAt',
  'rate-window': 'rateWindow',
  'release-lock': 'releaseLock',
  remove: 'remove',
  resume: 'setPaused',
  settle: 'settle',
  'settle-and-claim': 'settleAndClaim',
  trigger: 'trigger',
  'trigger-key': 'trigger',
  'trigger-lock': 'trigger',
  update: 'update',
} as const satisfies Record<string, string>;

/** A file of sql/, without its extension. */
export type SqlName = keyof typeof OPERATION_OF;

/**
 * The name a statement is prepared under on a connection: it covers schema and text, since one pool may serve
 * several schemas and a new version of a file must not collide with the old one on a connection that prepared it.
 */
export function statementName(file: string, text: string): string {
  return `hg_${file}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

/** A statement written from a template (list.ts, count.ts: fixed fragments, never input), its name and values. */
export interface BuiltStatement {
  name: string;
  text: string;
  values: unknown[];
}

const templates = new Map<string, string>();

/** The text of sql/FILE, read once: a template whose placeholders the caller fills in. */
export function template(file: string): string {
  let text = templates.get(file);
  if (text === undefined) templates.set(file, (text = loadAsset(import.meta.url, `sql/${file}`)));
  return text;
}

/** Statement texts of one schema, built on first use. */
export class Statements {
  private readonly texts = new Map<SqlName, string>();
  constructor(private readonly quotedSchema: string) {}

  get(name: SqlName): string {
    let text = this.texts.get(name);
    if (text === undefined) {
      text = substitute(loadAsset(import.meta.url, `sql/${name}.sql`), this.quotedSchema);
      this.texts.set(name, text);
    }
    return text;
  }
}

/**
 * A rule that several statements share, written once in sql/fragments/NAME.sql (its leading comment lines
 * dropped) and put in place of `{{fragment NAME now=$N}}`, with its `{{now}}` as the including statement's
 * parameter: the claim's reads all leave out a job queued behind its dedupe key (may-start-keyed.sql).
 */
const FRAGMENT = /\{\{fragment ([a-z0-9-]+) now=(\$\d+)\}\}/g;

function fragment(name: string): string {
  return loadAsset(import.meta.url, `sql/fragments/${name}.sql`).replace(/^(--.*\n)+/, '').trim();
}

/**
 * The lost run's error text from core's rules (one source: rules/claim.ts lostRunMessage), split around the
 * worker id the statement fills in, as SQL string literals.
 */
const [LOST_BEFORE, LOST_AFTER] = lostRunMessage('\u0000').split('\u0000') as [string, string];
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The schema, and the texts core owns, into a statement's text. */
export function substitute(text: string, quotedSchema: string): string {
  return text
    .replace(FRAGMENT, (_, name: string, now: string) => fragment(name).replaceAll('{{now}}', now))
    .replaceAll('{{schema}}', quotedSchema)
    .replaceAll('{{lost_run_before}}', literal(LOST_BEFORE))
    .replaceAll('{{lost_run_after}}', literal(LOST_AFTER));
}
