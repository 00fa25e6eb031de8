/**
 * Durable runs on PostgreSQL (src/core/rules/steps.ts). The guarded single writes (saveStep, clearSteps) are one
 * statement each; suspend and sendEvent are one transaction each, in which the rules' own functions judge rows
 * read under lock (the job rows, FOR UPDATE) and the statements write what they decided. A suspension that
 * registers a wait and a sendEvent of the same name take one advisory lock (sql/steps/event-lock.sql), so the
 * one that commits second always sees the other's event or wait: no event falls between a look and a wait.
 */
import type pg from 'pg';
import { loadAsset } from '../../core/assets.js';
import { compareSteps, deliveredStep, EVENT_RETENTION_MS, firstMatch, waitVerdict } from '../../core/rules/steps.js';
import type { JobStatus, Json } from '../../core/types.js';
import type { SentEvent, StepRecord, Suspension } from '../../core/store.js';
import { settleParams } from './params.js';
import { parseId } from './rows.js';
import { substitute } from './sql.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** What this module needs of the store: its schema, its NOTIFY channel, its pool, its transactions and its settle. */
export interface StepsHost {
  readonly schema: string;
  readonly quotedSchema: string;
  readonly notifyChannel: string;
  pool(): Queryable;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** settle.sql on this client: whether the one settlement applied. */
  settleOne(client: pg.PoolClient, json: string): Promise<boolean>;
}

export class PgSteps {
  private readonly texts = new Map<string, string>();
  constructor(private readonly host: StepsHost) {}

  private sql(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) {
      text = substitute(loadAsset(import.meta.url, `sql/steps/${file}.sql`), this.host.quotedSchema);
      this.texts.set(file, text);
    }
    return text;
  }

  async load(id: string): Promise<StepRecord[]> {
    const key = parseId(id);
    if (key === null) return [];
    const { rows } = await this.host.pool().query<{ entry: string }>(this.sql('load-steps'), [key]);
    return rows.map((r) => JSON.parse(r.entry) as StepRecord).sort(compareSteps);
  }

  async save(id: string, lockToken: string, step: StepRecord): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    const { rows } = await this.host.pool().query(this.sql('save-step'), [key, lockToken, step.key, JSON.stringify(step)]);
    return rows.length === 1;
  }

  async clear(id: string, lockToken: string): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    const { rows } = await this.host.pool().query(this.sql('clear-steps'), [key, lockToken]);
    return rows.length === 1;
  }

  /** trigger() of a finished job starts a new cycle: its entries go, in trigger's transaction. */
  async clearCycle(client: pg.PoolClient, id: string): Promise<void> {
    await client.query(this.sql('clear-cycle'), [id]);
  }

  async find(name: string, match: Record<string, Json> | undefined, since: number, via: Queryable = this.host.pool()): Promise<SentEvent | null> {
    const { rows } = await via.query<{ name: string; payload: string; sent_at: string }>(this.sql('find-events'), [name, since]);
    const events = rows.map((r) => ({ name: r.name, payload: JSON.parse(r.payload) as Json, sentAt: Number(r.sent_at) }));
    return firstMatch(events, name, match, since);
  }

  private lockEvent(client: pg.PoolClient, name: string): Promise<unknown> {
    return client.query(this.sql('event-lock'), [`${this.host.schema}:${name}`]);
  }

  /** Store.suspend (rules/steps.ts suspendedRecord). */
  async suspend(s: Suspension): Promise<boolean> {
    const id = parseId(s.id);
    if (id === null) return false;
    const { json, count } = settleParams([s]);
    if (count === 0) return false;
    return this.host.transaction(async (client) => {
      const waits = s.step.kind === 'wait' && s.step.state === 'waiting';
      if (waits) await this.lockEvent(client, s.step.event!);
      // Not held by this run: settle.sql writes nothing and answers whether this run's outcome was applied before
      // (a suspension resent after its answer was lost answers true); its entry is not written again either.
      const held = await client.query(this.sql('suspend-held'), [id, s.lockToken]);
      const applied = await this.host.settleOne(client, json);
      if (!applied || held.rows.length === 0) return applied;
      const { rows } = await client.query<{ status: JobStatus }>(this.sql('job-status'), [id]);
      if (rows[0]?.status !== 'pending') return true;
      let step = s.step;
      if (waits) {
        const event = await this.find(step.event!, step.match, step.since ?? 0, client);
        if (event) {
          step = deliveredStep(step, event.payload, s.finishedAt);
          await client.query(this.sql('deliver-now'), [id, s.finishedAt, this.host.notifyChannel]);
        } else {
          await client.query(this.sql('register-wait'), [step.event, id, step.key]);
        }
      }
      await client.query(this.sql('put-step'), [id, step.key, JSON.stringify(step)]);
      return true;
    });
  }

  /** Store.pruneEvents: one statement (sql/steps/prune-events.sql). */
  async pruneEvents(before: number): Promise<number> {
    const { rows } = await this.host.pool().query<{ n: number }>(this.sql('prune-events'), [before]);
    return rows[0]?.n ?? 0;
  }

  /** Store.sendEvent: one transaction (rules/steps.ts waitVerdict, deliveredStep, wokenRecord). */
  async send(name: string, payload: Json, now: number): Promise<number> {
    return this.host.transaction(async (client) => {
      await this.lockEvent(client, name);
      const waits = await client.query<{ job_id: string; key: string }>(this.sql('send-event'), [name, JSON.stringify(payload), now, now - EVENT_RETENTION_MS]);
      if (waits.rows.length === 0) return 0;
      const { rows } = await client.query<{ job_id: string; key: string; status: JobStatus; entry: string | null }>(this.sql('lock-waits'), [
        waits.rows.map((w) => w.job_id),
        waits.rows.map((w) => w.key),
      ]);
      const woken: string[] = [];
      const entries: string[] = [];
      const keys: string[] = [];
      // Waits whose job is gone have no row: they go.
      const found = new Set(rows.map((r) => r.job_id));
      const gone: string[] = waits.rows.filter((w) => !found.has(w.job_id)).map((w) => w.job_id);
      for (const row of rows) {
        const step = row.entry === null ? undefined : (JSON.parse(row.entry) as StepRecord);
        const verdict = waitVerdict({ status: row.status }, step, name, payload);
        if (verdict === 'keep') continue;
        gone.push(row.job_id);
        if (verdict === 'drop') continue;
        woken.push(row.job_id);
        keys.push(row.key);
        entries.push(JSON.stringify(deliveredStep(step!, payload, now)));
      }
      if (gone.length === 0) return 0;
      await client.query(this.sql('wake'), [name, woken, entries, keys, gone, now, this.host.notifyChannel]);
      return woken.length;
    });
  }
}
