/**
 * npm run bench — every store's hourglass beside its peers and a bare ceiling, on the same servers in the same
 * run, as ONE table (and the same as JSON under bench/results/). docs/performance.md explains every figure.
 *
 *   npm run bench [-- --store sqlite,postgres,redis] [--jobs 20000] [--rounds 3] [--concurrency 10]
 *                 [--latency-samples 200] [--only <id substring>,…] [--backlog 1000000] [--groups 10000] [--no-json]
 *
 * Each contender runs in a namespace of its own (schema, key prefix or file), removed afterwards, with its
 * worker in a child process of its own (peak RSS is that process's). Rounds alternate the order of the
 * contenders; the table shows the median rate of the rounds and latency percentiles of the pooled samples.
 * --backlog N runs hourglass alone on each store, twice a round: over a backlog of 10,000 and of N (half of it,
 * N/2 jobs, due in an hour, written straight into the store, then brought to a steady state: ANALYZE and so on),
 * and reports the ratios.
 * --groups N runs hourglass alone on each store, twice a round: the same batch with no groups, and spread round
 * robin over N groups (job option `group`), and reports the ratios of process rate and claim time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { CONTENDERS, type Contender } from './contenders.js';
import { forkWorker } from './harness/parent.js';
import { aggregate, cleanupActive, runOne, type Aggregate, type RunOptions, type RunResult } from './harness/run.js';
import { backlogGoals, backlogRatios, fmt, formatTable, goals, metricRatios, rowRatios, type Goal, type Row } from './harness/report.js';
import type { StoreKind } from './harness/types.js';
import { leftovers, sql } from './harness/util.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    jobs: { type: 'string', default: '20000' },
    rounds: { type: 'string' },
    concurrency: { type: 'string', default: '10' },
    'latency-samples': { type: 'string', default: '200' },
    only: { type: 'string' },
    backlog: { type: 'string' },
    groups: { type: 'string' },
    'idle-claims': { type: 'string', default: '200' },
    'no-json': { type: 'boolean', default: false },
  },
});

const ALL: StoreKind[] = ['sqlite', 'postgres', 'redis'];
const REFERENCE_BACKLOG = 10_000;
const positive = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const askedStores = values.store?.split(',').map((s) => s.trim()) as StoreKind[] | undefined;
for (const s of askedStores ?? []) if (!ALL.includes(s)) throw new Error(`--store: unknown store ${s} (sqlite, postgres, redis)`);
const backlog = values.backlog === undefined ? null : positive('backlog', values.backlog);
const groups = values.groups === undefined ? null : positive('groups', values.groups);
if (backlog !== null && groups !== null) throw new Error('--backlog and --groups are separate modes: give one');
const rounds = positive('rounds', values.rounds ?? (backlog === null && groups === null ? '3' : '1'));
const pgUrl = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (line: string) => process.stdout.write(`${line}\n`);
/** This invocation's directory of SQLite files, removed at the end or on an interrupt. */
let tmpDir: string | null = null;

async function serverVersions(stores: StoreKind[]): Promise<Partial<Record<StoreKind, string>>> {
  const out: Partial<Record<StoreKind, string>> = {};
  const missing: string[] = [];
  if (stores.includes('postgres')) {
    try {
      out.postgres = String((await sql(pgUrl, 'SHOW server_version')).rows[0]?.server_version);
    } catch (e) {
      missing.push(`postgres (${new URL(pgUrl).host}): ${(e as Error).message}`);
    }
  }
  if (stores.includes('redis')) {
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      out.redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';
      await client.quit();
    } catch (e) {
      client.disconnect();
      missing.push(`redis (${new URL(redisUrl).host}): ${(e as Error).message}`);
    }
  }
  if (stores.includes('sqlite')) out.sqlite = ((await import('better-sqlite3')).default(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  for (const m of missing) {
    // Asked for by name: an error. Part of "everything": skipped, and said so.
    if (askedStores) throw new Error(`no server for ${m} (scripts/services.sh start)`);
    log(`skipping ${m} (scripts/services.sh start)`);
  }
  return out;
}

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** What the servers held besides this run when it began (harness/util.ts leftovers), kept in the JSON. */
let serverLeftovers: string[] = [];

async function main(): Promise<void> {
  const versions = await serverVersions(askedStores ?? ALL);
  const stores = (askedStores ?? ALL).filter((s) => versions[s] !== undefined);
  const only = values.only?.split(',').map((s) => s.trim());
  let entries = CONTENDERS.filter((c) => stores.includes(c.store) && (!only || only.some((o) => c.id.includes(o))));
  if (backlog !== null || groups !== null) entries = entries.filter((c) => c.primary);
  if (entries.length === 0) throw new Error('nothing to run');

  const dir = mkdtempSync(join(os.tmpdir(), 'hourglass-bench-'));
  tmpDir = dir;
  const tag = Math.random().toString(36).slice(2, 7);
  const jobs = positive('jobs', values.jobs);
  const options: RunOptions = {
    jobs,
    concurrency: positive('concurrency', values.concurrency),
    latencySamples: positive('latency-samples', values['latency-samples']),
    pgUrl,
    redisUrl,
    dir,
    backlog: null,
    idleClaims: positive('idle-claims', values['idle-claims']),
  };
  const cpus = os.cpus();
  const load0 = os.loadavg();
  // The floor under every peak RSS: a worker child that has loaded nothing but node and tsx.
  const bare = await forkWorker();
  await new Promise((r) => setTimeout(r, 300));
  const baselineRss = bare.peakRss();
  bare.kill();
  const started = new Date();
  const modeText = groups !== null ? `groups ${groups.toLocaleString('en-US')}` : backlog === null ? 'standard' : `backlog ${backlog.toLocaleString('en-US')}`;
  log(`hourglass bench, ${modeText}: ${jobs.toLocaleString('en-US')} no-op jobs, concurrency ${options.concurrency}, ` +
    `${rounds} round(s), node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? '?'}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  log(Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ') + `; an idle worker child (node + tsx) peaks at ${fmt.mb(baselineRss)}`);
  serverLeftovers = await leftovers(stores, pgUrl, redisUrl);
  for (const line of serverLeftovers) log(`warning: ${line}`);

  const cases = backlog === null ? [null] : backlog === REFERENCE_BACKLOG ? [backlog] : [REFERENCE_BACKLOG, backlog];
  const runs = new Map<string, RunResult[]>();
  const key = (id: string, b: number | null) => (b === null ? id : `${id}@${b}`);
  if (groups !== null) {
    await runGroups(entries, options, groups, tag, runs, dir);
    return writeResults(started, load0, cpus, baselineRss, versions, stores, jobs, options, only, 'groups', groupsReport(entries, runs, jobs, groups), runs, `groups-${groups}`);
  }
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order: a burst of someone else's load, or a warm cache, does not always favour the same one.
      const order = round % 2 === 1 ? entries : [...entries].reverse();
      const line: string[] = [];
      for (const entry of order) {
        for (const b of round % 2 === 1 ? cases : [...cases].reverse()) {
          const r = await runOne(entry, { ...options, backlog: b }, tag, log);
          runs.set(key(entry.id, b), [...(runs.get(key(entry.id, b)) ?? []), r]);
          line.push(`${key(entry.id, b)} ${fmt.rate((jobs * 1000) / r.processMs)}/s`);
          log(`  ${key(entry.id, b)}: enqueue ${fmt.rate((jobs * 1000) / r.enqueueMs)}/s, process ${fmt.rate((jobs * 1000) / r.processMs)}/s`);
        }
      }
      log(`round ${round}/${rounds} done`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const load1 = os.loadavg();
  const meta = {
    date: started.toISOString(),
    finished: new Date().toISOString(),
    mode: backlog === null ? 'standard' : 'backlog',
    commit: git('rev-parse', '--short', 'HEAD'),
    workingTreeDirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    node: process.version,
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? null, memoryBytes: os.totalmem(), loadavgStart: load0, loadavgEnd: load1 },
    idleChildPeakRssBytes: baselineRss,
    servers: versions,
    leftovers: serverLeftovers,
    options: { stores, jobs, rounds, concurrency: options.concurrency, latencySamples: options.latencySamples, backlog, reference: backlog === null ? null : REFERENCE_BACKLOG, only: only ?? null },
  };
  let report: Record<string, unknown>;
  if (backlog === null) report = standardReport(entries, runs, jobs);
  else report = backlogReport(entries, runs, jobs, cases as number[]);
  log(`load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus.length} cores)`);

  if (!values['no-json']) {
    const outDir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(outDir, { recursive: true });
    const stamp = started.toISOString().slice(0, 16).replace(':', '');
    const mode = (backlog === null ? 'standard' : `backlog-${backlog}`) + (stores.length < ALL.length ? `-${stores.join('-')}` : '');
    const file = join(outDir, `${stamp}Z-${mode}.json`);
    writeFileSync(file, `${JSON.stringify({ ...meta, ...report, runs: Object.fromEntries(runs) }, null, 2)}\n`);
    log(`\nwrote ${file}`);
  }
}

/** Groups mode: each primary hourglass row, no groups and N groups, alternating the order by round. */
async function runGroups(entries: Contender[], options: RunOptions, n: number, tag: string, runs: Map<string, RunResult[]>, dir: string): Promise<void> {
  const cases = [null, n];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const entry of round % 2 === 1 ? entries : [...entries].reverse()) {
        for (const g of round % 2 === 1 ? cases : [...cases].reverse()) {
          const id = groupsKey(entry.id, g);
          const r = await runOne(entry, { ...options, groups: g }, tag, log);
          runs.set(id, [...(runs.get(id) ?? []), r]);
          log(`  ${id}: enqueue ${fmt.rate((options.jobs * 1000) / r.enqueueMs)}/s, process ${fmt.rate((options.jobs * 1000) / r.processMs)}/s`);
        }
      }
      log(`round ${round}/${rounds} done`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const groupsKey = (id: string, g: number | null) => (g === null ? `${id}#nogroups` : `${id}#groups${g}`);

/** The groups table: per store, no groups and N groups, and N groups ÷ no groups (process rate, claim p50/p99). */
function groupsReport(entries: Contender[], runs: Map<string, RunResult[]>, jobs: number, n: number): Record<string, unknown> {
  const header = ['store', 'groups', 'enqueue/s', 'process/s', 'claim p50', 'claim p99', 'jobs/claim', 'p50 ms', 'p99 ms', 'peak RSS', '× none process', '× none claim p50', '× none claim p99'];
  const body: string[][] = [];
  const rows = [];
  const ratios = [];
  for (const entry of entries) {
    const none = aggregate(entry.id, jobs, runs.get(groupsKey(entry.id, null)) ?? []);
    const many = aggregate(entry.id, jobs, runs.get(groupsKey(entry.id, n)) ?? []);
    const r = { store: entry.store, groups: n, process: ratio(many.processPerSec, none.processPerSec), claimP50: ratio(many.claimP50Ms, none.claimP50Ms), claimP99: ratio(many.claimP99Ms, none.claimP99Ms) };
    ratios.push(r);
    for (const [g, a] of [[0, none], [n, many]] as const) {
      rows.push({ ...entry, ...a, groups: g });
      body.push([entry.store, g.toLocaleString('en-US'), fmt.rate(a.enqueuePerSec), fmt.rate(a.processPerSec), fmt.ms(a.claimP50Ms), fmt.ms(a.claimP99Ms),
        a.claimJobsPerCall === null ? '—' : a.claimJobsPerCall.toFixed(1), fmt.ms(a.p50Ms), fmt.ms(a.p99Ms), fmt.mb(a.peakRssBytes),
        g === 0 ? '' : fmt.x(r.process), g === 0 ? '' : fmt.x(r.claimP50), g === 0 ? '' : fmt.x(r.claimP99)]);
    }
  }
  log(`\n${formatTable(header, body)}`);
  log(`claim times in ms per call, from outside the store (round trip included); the ${jobs.toLocaleString('en-US')} jobs of a run are spread round robin over the groups`);
  return { rows, ratios };
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

function writeResults(
  started: Date, load0: number[], cpus: os.CpuInfo[], baselineRss: number | null, versions: Partial<Record<StoreKind, string>>, stores: StoreKind[],
  jobs: number, options: RunOptions, only: string[] | undefined, mode: string, report: Record<string, unknown>, runs: Map<string, RunResult[]>, fileMode: string,
): void {
  const load1 = os.loadavg();
  log(`load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus.length} cores)`);
  if (values['no-json']) return;
  const meta = {
    date: started.toISOString(), finished: new Date().toISOString(), mode, commit: git('rev-parse', '--short', 'HEAD'),
    workingTreeDirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '', node: process.version,
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? null, memoryBytes: os.totalmem(), loadavgStart: load0, loadavgEnd: load1 },
    idleChildPeakRssBytes: baselineRss, servers: versions, leftovers: serverLeftovers,
    options: { stores, jobs, rounds, concurrency: options.concurrency, latencySamples: options.latencySamples, groups, only: only ?? null },
  };
  const outDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const stamp = started.toISOString().slice(0, 16).replace(':', '');
  const file = join(outDir, `${stamp}Z-${fileMode}${stores.length < ALL.length ? `-${stores.join('-')}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify({ ...meta, ...report, runs: Object.fromEntries(runs) }, null, 2)}\n`);
  log(`\nwrote ${file}`);
}

function printGoals(list: Goal[]): void {
  if (list.length === 0) return;
  log('\ngoals (issue 16)');
  for (const g of list) {
    const v = g.value === null ? '—' : g.unit === '×' ? fmt.x(g.value) : g.unit === 'ms' ? `${fmt.ms(g.value)} ms` : `${fmt.rate(g.value)} ${g.unit}`;
    log(`  ${g.met === null ? '?  ' : g.met ? 'met' : 'NOT'}  ${g.goal}: ${v}`);
  }
}

function standardReport(entries: Contender[], runs: Map<string, RunResult[]>, jobs: number): Record<string, unknown> {
  const rows: Row[] = entries.map((entry) => ({ entry, agg: aggregate(entry.id, jobs, runs.get(entry.id) ?? []) }));
  const header = ['store', 'contender', 'config', 'enqueue/s', 'process/s', 'p50 ms', 'p99 ms', 'peak RSS', '× ceiling', '× best peer'];
  const body = rows.map((row) => {
    const r = rowRatios(rows, row);
    return [row.entry.store, row.entry.contender, row.entry.config, fmt.rate(row.agg.enqueuePerSec), fmt.rate(row.agg.processPerSec), fmt.ms(row.agg.p50Ms), fmt.ms(row.agg.p99Ms), fmt.mb(row.agg.peakRssBytes), fmt.x(r.toCeiling), fmt.x(r.toBestPeer)];
  });
  log(`\n${formatTable(header, body)}`);
  const perMetric: Record<string, ReturnType<typeof metricRatios>> = {};
  for (const store of new Set(rows.map((r) => r.entry.store))) {
    const m = metricRatios(rows, store);
    if (m.length === 0) continue;
    perMetric[store] = m;
    log(`\n${store}: hourglass (defaults) ÷ best peer on each metric: ` + m.map((x) => `${x.metric} ${fmt.x(x.value)}`).join(', ') + '  (rates: above 1 is better; p50, p99, RSS: below 1 is better)');
  }
  log('\nlatency modes: ' + rows.filter((r) => r.agg.latencyMode).map((r) => `${r.entry.id}: ${r.agg.latency.map((l) => `${l.mode} p50 ${fmt.ms(l.p50Ms)} / p99 ${fmt.ms(l.p99Ms)} (n=${l.samples})`).join('; ')}`).join('\n  '));
  const aof = rows.filter((r) => r.agg.aofBytesPerJob !== null);
  if (aof.length > 0) log('AOF written per job (enqueue + process; how often a long-lived Redis rewrites its AOF): ' + aof.map((r) => `${r.entry.id} ${Math.round(r.agg.aofBytesPerJob!)} B`).join(', '));
  if (rounds > 1) log('process/s by round: ' + rows.map((r) => `${r.entry.id} ${r.agg.processPerSecRounds.join(' / ')}`).join(', '));
  const g = goals(rows);
  printGoals(g);
  return { rows: rows.map((row) => ({ ...row.entry, ...row.agg, ratios: rowRatios(rows, row) })), perMetric, goals: g };
}

function backlogReport(entries: Contender[], runs: Map<string, RunResult[]>, jobs: number, cases: number[]): Record<string, unknown> {
  const aggs: (Aggregate & { backlog: number; entry: Contender })[] = [];
  for (const entry of entries) for (const b of cases) aggs.push({ ...aggregate(entry.id, jobs, runs.get(`${entry.id}@${b}`) ?? []), backlog: b, entry });
  const header = ['store', 'backlog', 'not due', 'fill s', 'enqueue/s', 'process/s', 'claim p50', 'claim p99', 'jobs/claim', 'idle claim', 'p50 ms', 'p99 ms', 'peak RSS', '× ref process', '× ref claim', '× ref p50'];
  const ratiosOut = [];
  const goalsOut: Goal[] = [];
  const body: string[][] = [];
  for (const a of aggs) {
    const ref = aggs.find((x) => x.entry.id === a.entry.id && x.backlog === REFERENCE_BACKLOG);
    const r = ref && ref !== a ? backlogRatios(a.entry.store, ref, a) : null;
    if (r) {
      ratiosOut.push(r);
      goalsOut.push(...backlogGoals(r));
    }
    body.push([a.entry.store, a.backlog.toLocaleString('en-US'), (a.filled ?? 0).toLocaleString('en-US'), a.fillMs === null ? '—' : (a.fillMs / 1000).toFixed(1),
      fmt.rate(a.enqueuePerSec), fmt.rate(a.processPerSec), fmt.ms(a.claimP50Ms), fmt.ms(a.claimP99Ms), a.claimJobsPerCall === null ? '—' : a.claimJobsPerCall.toFixed(1),
      fmt.ms(a.idleClaimP50Ms), fmt.ms(a.p50Ms), fmt.ms(a.p99Ms), fmt.mb(a.peakRssBytes), fmt.x(r?.process ?? null), fmt.x(r?.claimP50 ?? null), fmt.x(r?.p50 ?? null)]);
  }
  log(`\n${formatTable(header, body)}`);
  log('claim times in ms per call, from outside the store (round trip included); idle claim: p50 of claims that find nothing due, after the run');
  printGoals(goalsOut);
  return { rows: aggs.map(({ entry, ...a }) => ({ ...entry, ...a })), ratios: ratiosOut, goals: goalsOut };
}

// Interrupted: remove the namespaces of the runs in flight (and the SQLite directory), then go.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: cleaning up`);
    void cleanupActive().finally(() => {
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
