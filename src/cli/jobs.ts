/**
 * hourglass jobs list|show|wait|add|cancel|trigger|remove|requeue-failed, and hourglass pause|resume NAME: look
 * at and manage jobs in any store. list, show and wait only read, so they never migrate (see openReader).
 */
import { InvalidDataError, ValidationError, WaitTimeoutError } from '../core/errors.js';
import { parseDuration } from '../core/time/duration.js';
import { assertGroup, MAX_GROUP_LENGTH } from '../core/normalise.js';
import type { Scheduler } from '../core/scheduler.js';
import { JOB_STATUSES, type EveryOptions, type Job, type JobStatus, type ScheduleSpec } from '../core/types.js';
import { COMMAND_USAGE } from './help.js';
import { openReader, openScheduler, parseCount, UsageError } from './shared.js';

export interface JobsOptions {
  store: string;
  json: boolean;
  status?: string | undefined;
  name?: string | undefined;
  group?: string | undefined;
  limit?: string | undefined;
  offset?: string | undefined;
  data?: string | undefined;
  at?: string | undefined;
  in?: string | undefined;
  every?: string | undefined;
  timezone?: string | undefined;
  priority?: string | undefined;
  attempts?: string | undefined;
  'dedupe-key'?: string | undefined;
  label?: string | undefined;
  timeout?: string | undefined;
}

const VERBS = ['list', 'show', 'wait', 'add', 'cancel', 'trigger', 'remove', 'requeue-failed'];
const out = (text: string) => process.stdout.write(`${text}\n`);

export async function jobsCommand(args: string[], options: JobsOptions): Promise<number> {
  const [verb, arg, ...extra] = args;
  if (verb === undefined) throw new UsageError('jobs: which verb?', COMMAND_USAGE.jobs!);
  if (!VERBS.includes(verb)) throw new UsageError(`jobs: unknown verb "${verb}" (expected ${VERBS.join(', ')})`, COMMAND_USAGE.jobs!);
  if (extra.length > 0) throw new UsageError(`jobs ${verb}: unexpected ${extra.map((e) => JSON.stringify(e)).join(' ')}`, COMMAND_USAGE.jobs!);
  switch (verb) {
    case 'list':
      return list(options);
    case 'show':
      return show(requireArg(arg, 'ID'), options);
    case 'wait':
      return wait(requireArg(arg, 'ID'), options);
    case 'add':
      return add(requireArg(arg, 'NAME'), options);
    case 'requeue-failed': {
      const name = arg ?? options.name;
      const scheduler = await openScheduler(options.store);
      const count = await scheduler.requeueFailed(name);
      out(options.json ? JSON.stringify({ requeued: count }) : `requeued ${count} failed job(s)${name ? ` of ${name}` : ''}`);
      return 0;
    }
    default: {
      const id = requireArg(arg, 'ID');
      const scheduler = await openScheduler(options.store);
      if (verb === 'remove') {
        if (!(await scheduler.remove(id))) return notFound(id);
        out(options.json ? JSON.stringify({ removed: id }) : `removed job ${id}`);
        return 0;
      }
      const job = verb === 'cancel' ? await scheduler.cancel(id) : await scheduler.trigger(id);
      if (!job) return notFound(id);
      out(options.json ? JSON.stringify(job, null, 2) : `${verb}: job ${job.id} (${job.name}) is ${job.status}`);
      return 0;
    }
  }
}

/** hourglass pause NAME / resume NAME: across every process sharing the store. */
export async function pauseCommand(verb: 'pause' | 'resume', args: string[], options: { store: string; json: boolean }): Promise<number> {
  const [name, ...extra] = args;
  if (name === undefined || extra.length > 0) throw new UsageError(`${verb}: give one job name`, COMMAND_USAGE[verb]!);
  const scheduler = await openScheduler(options.store);
  await (verb === 'pause' ? scheduler.pause(name) : scheduler.resume(name));
  const paused = await scheduler.pausedNames();
  out(options.json ? JSON.stringify({ [verb === 'pause' ? 'paused' : 'resumed']: name, pausedNames: paused }) : `${verb === 'pause' ? 'paused' : 'resumed'} ${name}; paused now: ${paused.length ? paused.join(', ') : 'none'}`);
  return 0;
}

/** `--group ''`: a group is a non-empty string (assertGroup passes null through as "no group"). */
function groupMissing(): never {
  throw new ValidationError('--group', '', `must be a non-empty string of at most ${MAX_GROUP_LENGTH} characters`);
}

async function list(options: JobsOptions): Promise<number> {
  const statuses = options.status?.split(',').map((s) => s.trim());
  for (const s of statuses ?? []) {
    if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ValidationError('--status', s, `must be one of ${JOB_STATUSES.join(', ')}`);
  }
  const filter = {
    ...(statuses ? { status: statuses as JobStatus[] } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.group !== undefined ? { group: assertGroup(options.group === '' ? null : options.group, '--group') ?? groupMissing() } : {}),
    limit: parseCount(options.limit, '--limit') ?? 50,
    offset: parseCount(options.offset, '--offset') ?? 0,
  };
  const scheduler = await openReader(options.store);
  const jobs = scheduler ? await scheduler.listJobs(filter) : [];
  if (options.json) out(JSON.stringify(jobs, null, 2));
  else out(scheduler ? table(jobs) : '(no jobs: this store has no hourglass schema yet)');
  return 0;
}

/** History entries `jobs show` prints by default: a repeating job's history grows by one a run. */
const SHOWN = 50;

async function show(id: string, options: JobsOptions): Promise<number> {
  const scheduler = await openReader(options.store);
  const job = scheduler ? await scheduler.getJob(id) : null;
  if (!scheduler || !job) return notFound(id);
  const given = parseCount(options.limit, '--limit');
  if (given === 0) throw new ValidationError('--limit', options.limit, 'must be at least 1');
  // Text for a person: the newest SHOWN entries unless --limit says otherwise (one more read says whether there
  // are earlier ones); --json gives every entry unless --limit is given.
  const limit = given ?? (options.json ? undefined : SHOWN + 1);
  let history = await scheduler.history(job.id, limit === undefined ? {} : { limit });
  if (options.json) out(JSON.stringify({ job, history }, null, 2));
  else {
    const cut = given === undefined && history.length > SHOWN;
    if (cut) history = history.slice(1);
    out(JSON.stringify(job, null, 2));
    out(cut ? `history (the newest ${SHOWN}; --limit N for more, --json for all):` : given !== undefined ? `history (the newest ${history.length}):` : `history (${history.length}):`);
    for (const h of history) {
      // A durable step, sleep or wait (docs/durable-steps.md) names itself after the attempt.
      const step = h.kind !== undefined && h.kind !== 'run' ? `  ${h.kind} ${h.step}${h.event !== undefined ? ` (event ${h.event})` : ''}` : '';
      out(`  #${h.attempt} ${h.status.padEnd(9)} ${h.startedAt.toISOString()} ${String(h.duration).padStart(6)} ms  ${h.workerId}${h.error ? `  ${h.error}` : ''}${step}`);
    }
  }
  return 0;
}

/** `jobs wait`'s exit code once the timeout passed, as coreutils' timeout(1) uses. */
export const WAIT_TIMED_OUT = 124;

/**
 * jobs wait ID [--timeout DURATION]: until the job has finished (scheduler.waitFor), whichever process runs it; a
 * repeating job, until its next run has ended. Exit 0 when it (or that run) completed, 1 when it failed or was
 * cancelled, WAIT_TIMED_OUT when the timeout passed first.
 */
async function wait(id: string, options: JobsOptions): Promise<number> {
  const timeout = options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout');
  const scheduler = await openReader(options.store);
  if (!scheduler) return notFound(id);
  let job: Job;
  try {
    job = await scheduler.waitFor(id, timeout === undefined ? {} : { timeout });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    process.stderr.write(`hourglass: ${error.message} [${error.code}]\n`);
    return WAIT_TIMED_OUT;
  }
  // A repeating job comes back pending after its run: lastError says how that run went.
  const runOfRepeat = job.repeat !== null && job.status === 'pending';
  if (options.json) out(JSON.stringify(job, null, 2));
  else if (runOfRepeat) {
    const next = job.nextRunAt ? `; next run ${job.nextRunAt.toISOString()}` : '';
    out(`job ${job.id} (${job.name}) ran: ${job.lastError === null ? 'completed' : `failed: ${job.lastError}`}${next}`);
  } else out(`job ${job.id} (${job.name}) ${job.status}${job.status === 'failed' && job.lastError ? `: ${job.lastError}` : ''}`);
  return job.status === 'completed' || (runOfRepeat && job.lastError === null) ? 0 : 1;
}

/** jobs add NAME [--data JSON] [--at WHEN | --in DURATION | --every INTERVAL] [--timezone TZ] ... */
async function add(name: string, options: JobsOptions): Promise<number> {
  const when = [options.at && '--at', options.in && '--in', options.every && '--every'].filter(Boolean);
  if (when.length > 1) throw new UsageError(`jobs add: give one of --at, --in and --every (got ${when.join(' and ')})`, COMMAND_USAGE.jobs!);
  if (options.timezone && !options.every) throw new UsageError('jobs add: --timezone goes with --every (a cron expression)', COMMAND_USAGE.jobs!);
  const data = parseData(options.data);
  const common = {
    ...(options.priority !== undefined ? { priority: /^-?\d+$/.test(options.priority) ? Number(options.priority) : options.priority } : {}),
    ...(options.attempts !== undefined ? { attempts: parseCount(options.attempts, '--attempts')! } : {}),
    ...(options['dedupe-key'] !== undefined ? { dedupeKey: options['dedupe-key'] } : {}),
    ...(options.label !== undefined ? { label: options.label } : {}),
  } as ScheduleSpec;
  const scheduler: Scheduler = await openScheduler(options.store);
  let job: Job;
  if (options.every) {
    const every: EveryOptions = { ...common, ...(options.timezone ? { timezone: options.timezone } : {}) };
    job = await scheduler.every(/^\d+$/.test(options.every) ? Number(options.every) : options.every, name, data, every);
  } else {
    job = await scheduler.schedule({
      ...common,
      name,
      data,
      ...(options.at ? { runAt: options.at } : {}),
      ...(options.in ? { delay: /^\d+$/.test(options.in) ? Number(options.in) : options.in } : {}),
    });
  }
  if (options.json) out(JSON.stringify(job, null, 2));
  else out(`added job ${job.id} (${job.name}): ${job.status}${job.nextRunAt ? `, next run ${job.nextRunAt.toISOString()}` : ''}${job.repeat ? `, ${describeRepeat(job)}` : ''}`);
  return 0;
}

function parseData(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidDataError('--data', text, `must be JSON, such as '{"to":"a@example.com"}' (${(error as Error).message})`);
  }
}

function requireArg(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`jobs: give the job's ${what}`, COMMAND_USAGE.jobs!);
  return value;
}

function notFound(id: string): number {
  process.stderr.write(`hourglass: no job with id ${JSON.stringify(id)} [JOB_NOT_FOUND]\n`);
  return 1;
}

function describeRepeat(j: Job): string {
  if (!j.repeat) return '-';
  return 'cron' in j.repeat ? `cron ${j.repeat.cron} ${j.repeat.timezone}` : `every ${j.repeat.every} ms`;
}

function table(jobs: Job[]): string {
  if (jobs.length === 0) return '(no jobs)';
  const rows = jobs.map((j) => [
    j.id,
    j.name,
    j.status,
    String(j.priority),
    `${j.attempts}/${j.maxAttempts}`,
    j.nextRunAt ? j.nextRunAt.toISOString() : '-',
    describeRepeat(j),
    j.lastError ? j.lastError.slice(0, 40) : '',
  ]);
  const header = ['ID', 'NAME', 'STATUS', 'PRI', 'TRIES', 'NEXT RUN', 'REPEAT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
