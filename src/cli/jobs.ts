/** hourglass jobs list|show|cancel|trigger: look at and manage jobs in any store. */
import { ValidationError } from '../core/errors.js';
import type { Job, JobStatus } from '../core/types.js';
import { openScheduler, parseCount } from './shared.js';

interface JobsOptions {
  store: string;
  json: boolean;
  status?: string | undefined;
  name?: string | undefined;
  limit?: string | undefined;
  offset?: string | undefined;
}

export async function jobsCommand(args: string[], options: JobsOptions): Promise<number> {
  const [action, id] = args;
  const scheduler = await openScheduler(options.store);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  try {
    switch (action) {
      case 'list': {
        const jobs = await scheduler.listJobs({
          ...(options.status ? { status: options.status.split(',') as JobStatus[] } : {}),
          ...(options.name ? { name: options.name } : {}),
          limit: parseCount(options.limit, '--limit') ?? 50,
          offset: parseCount(options.offset, '--offset') ?? 0,
        });
        if (options.json) out(JSON.stringify(jobs, null, 2));
        else out(table(jobs));
        return 0;
      }
      case 'show': {
        const job = await scheduler.getJob(requireId(id));
        if (!job) return notFound(id!);
        const history = await scheduler.history(job.id);
        if (options.json) out(JSON.stringify({ job, history }, null, 2));
        else {
          out(JSON.stringify(job, null, 2));
          out(`history (${history.length}):`);
          for (const h of history) {
            out(`  #${h.attempt} ${h.status.padEnd(9)} ${h.startedAt.toISOString()} ${String(h.duration).padStart(6)} ms  ${h.workerId}${h.error ? `  ${h.error}` : ''}`);
          }
        }
        return 0;
      }
      case 'cancel':
      case 'trigger': {
        const job = action === 'cancel' ? await scheduler.cancel(requireId(id)) : await scheduler.trigger(requireId(id));
        if (!job) return notFound(id!);
        out(options.json ? JSON.stringify(job, null, 2) : `${action === 'cancel' ? 'cancel' : 'trigger'}: job ${job.id} (${job.name}) is ${job.status}`);
        return 0;
      }
      default:
        throw new ValidationError('jobs', action ?? '', 'expected list, show ID, cancel ID or trigger ID');
    }
  } finally {
    await scheduler.stop();
  }
}

function requireId(id: string | undefined): string {
  if (!id) throw new ValidationError('id', id, 'give the job id');
  return id;
}

function notFound(id: string): number {
  process.stderr.write(`hourglass: no job with id ${JSON.stringify(id)} [JOB_NOT_FOUND]\n`);
  return 1;
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
    j.repeat ? ('cron' in j.repeat ? `cron ${j.repeat.cron} ${j.repeat.timezone}` : `every ${j.repeat.every} ms`) : '-',
    j.lastError ? j.lastError.slice(0, 40) : '',
  ]);
  const header = ['ID', 'NAME', 'STATUS', 'PRI', 'TRIES', 'NEXT RUN', 'REPEAT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
