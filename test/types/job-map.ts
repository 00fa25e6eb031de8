/**
 * What the types catch (npm run typecheck, and test/types/types.test.ts). Each @ts-expect-error is a mistake a
 * user could make; if the types stopped catching it, the directive would be unused and the compile would fail.
 */
import { createHttpHandler } from '../../src/http/index.js';
import { Scheduler, type Job } from '../../src/index.js';

interface Jobs {
  'send email': { to: string; subject?: string };
  'nightly report': undefined;
  resize: { width: number };
}

const db = { query: async (sql: string) => sql.length };
const s = new Scheduler<Jobs, { db: typeof db }>({ context: { db } });

// Names and data are checked together.
s.define('send email', async (job, ctx) => {
  const to: string = job.data.to;
  await ctx.db.query(`select 1 -- ${to} attempt ${ctx.attempt}`);
  // @ts-expect-error a misspelt context field
  void ctx.attmpt;
  // @ts-expect-error a field the data does not have
  void job.data.from;
  return { sent: true };
});
// @ts-expect-error a name that is not in the map
s.define('send emails', async () => undefined);
export async function producer(): Promise<void> {
  const job: Job<{ to: string; subject?: string }> = await s.now('send email', { to: 'a@example.com' });
  void job;
  // @ts-expect-error wrong data for the name
  await s.now('send email', { wrong: true });
  // @ts-expect-error data is required for this name
  await s.now('send email');
  await s.now('nightly report');
  await s.schedule('in 5 minutes', 'resize', { width: 100 });
  // @ts-expect-error wrong data in the when form
  await s.schedule('in 5 minutes', 'resize', { height: 100 });
  await s.schedule({ name: 'resize', data: { width: 1 }, delay: '1m' });
  // @ts-expect-error wrong data in the object form
  await s.schedule({ name: 'resize', data: { to: 'x' } });
  await s.every('1 day', 'nightly report');
  await s.scheduleBulk([{ name: 'resize', data: { width: 2 } }, { name: 'send email', data: { to: 'b' } }]);
  // @ts-expect-error a bulk spec with the wrong data
  await s.scheduleBulk([{ name: 'resize', data: { width: 'wide' } }]);
  // The streamed form: any (async) iterable with options, counts back, the chunk's jobs typed by the map.
  async function* specs() {
    yield { name: 'resize' as const, data: { width: 3 } };
  }
  const summary: { stored: number; created: number; existing: number; chunks: number } = await s.scheduleBulk(specs(), {
    chunkSize: 500,
    onChunk: ({ jobs }) => {
      for (const j of jobs) if (j.name === 'resize') void (j.data.width + 1);
    },
  });
  void summary;
  // @ts-expect-error a streamed spec with the wrong data
  await s.scheduleBulk([{ name: 'resize', data: { width: 'wide' } }], {});
  // @ts-expect-error an iterable without options: only an array is one store operation
  await s.scheduleBulk(specs());

  // Reads come back as a union discriminated by name.
  for (const j of await s.listJobs()) {
    if (j.name === 'resize') {
      const width: number = j.data.width;
      void width;
    }
  }
  const one = await s.getJob('1');
  if (one?.name === 'send email') void one.data.to;
}

// @ts-expect-error an event that does not exist
s.on('job:finished', () => undefined);
s.on('job:fail', ({ job, error }) => void [job.id, error.message]);

// A typed scheduler is accepted wherever a Scheduler is.
createHttpHandler(s);

// Without a map: any name, data unknown unless the handler says what it expects.
const loose = new Scheduler();
loose.define('anything', async (job: Job<{ n: number }>) => job.data.n + 1);
loose.define('other', async (job) => {
  // @ts-expect-error data is unknown without a map or an annotation
  void job.data.n;
});
export const looseJob = loose.now('whatever', { any: 'thing' });
