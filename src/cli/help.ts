/** The help texts of the hourglass command: one overview, and one page per command (`hourglass jobs --help`). */

/** Bad usage: exit code 2, with the help text of the command. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
  }
}

const STORE = `  --store URL                   where the jobs live (default: $HOURGLASS_STORE, else sqlite:./hourglass.db):
                                sqlite:./file.db, sqlite::memory:, postgres://user@host/db?schema=name,
                                redis://host:6379?prefix=name; behind PgBouncer add
                                &poolMode=transaction&listen=<direct postgres URL>; Redis Cluster
                                redis+cluster://h1:7000,h2:7001, Sentinel redis+sentinel://s1:26379,s2:26380/name`;

export const USAGE = `usage: hourglass <command> [options]

commands:
  demo                          run example jobs on the embedded SQLite store, with the dashboard (Ctrl-C stops)
  worker --jobs DIR             run the jobs defined by the modules in DIR
  serve [--port N] [--jobs DIR] the HTTP API, /metrics and the dashboard
  jobs list|show|wait|add|cancel|trigger|remove|requeue-failed
                                look at and manage jobs (hourglass jobs --help)
  pause NAME | resume NAME      stop or restart claiming jobs of NAME, in every process sharing the store
  migrate [--status]            apply pending schema migrations (or list applied and pending ones)
  help [COMMAND]                this text, or one command's

options:
${STORE}
  --json                        machine-readable output (jobs, pause, resume, migrate)
  -v, --version                 print the version
  -h, --help                    help (also after a command: hourglass jobs --help)

environment:
  HOURGLASS_STORE               the default --store
  HOURGLASS_TOKEN               the default --token of serve`;

export const COMMAND_USAGE: Record<string, string> = {
  demo: `usage: hourglass demo [--store URL] [--port N] [--host H] [--concurrency N]

Example jobs (a recurring job, retries with backoff, a job spawning others, crons with a time zone, a
deduplicated job) on sqlite:./hourglass-demo.db, logging what runs, with the dashboard on
http://127.0.0.1:3000/ (another free port when 3000 is taken). Ctrl-C stops gracefully.

options:
${STORE.replace('sqlite:./hourglass.db', 'sqlite:./hourglass-demo.db')}
  --port N, --host H            where the dashboard listens
  --concurrency N               jobs run at once (default 5)`,

  worker: `usage: hourglass worker --jobs DIR [--store URL] [--concurrency N]

Imports every .js and .mjs module in DIR; each registers its jobs:
  export default function (scheduler) { scheduler.define('send email', async (job, ctx) => { ... }); }
(or a named export register; it may be async). Runs them until Ctrl-C or SIGTERM, then stops gracefully
(running jobs get up to 30 s).

options:
${STORE}
  --jobs DIR                    the folder of job modules
  --concurrency N               jobs run at once (default 10)`,

  serve: `usage: hourglass serve [--store URL] [--port N] [--host H] [--token T] [--jobs DIR] [--no-workers]

The HTTP API, /metrics and the dashboard (default http://127.0.0.1:3000/), running the jobs DIR's modules
define (as hourglass worker does) unless --no-workers.

options:
${STORE}
  --port N, --host H            where to listen (default 3000, 127.0.0.1)
  --token T                     require Authorization: Bearer T (default: $HOURGLASS_TOKEN)
  --jobs DIR                    job modules to load and run
  --no-workers                  serve only; run no jobs in this process
  --concurrency N               jobs run at once`,

  jobs: `usage: hourglass jobs <verb> [options]

verbs:
  list [--status S[,S]] [--name N] [--group G] [--limit N] [--offset N]
                                jobs, newest first (S: pending, running, completed, failed, cancelled, blocked;
                                G: one group's jobs, the group job option)
  show ID [--limit N]           a job and its history's newest 50 entries (or N; with --json, all unless N)
  wait ID [--timeout DURATION]  until the job has finished (a repeating one: its next run), whichever process
                                runs it; exit 0 when it completed, 1 when it failed or was cancelled, 124 when
                                DURATION passed first
  add NAME [--data JSON] [--at WHEN | --in DURATION | --every INTERVAL] [--timezone TZ]
           [--priority P] [--attempts N] [--dedupe-key K] [--label L]
                                enqueue a job (default: run now). WHEN: ISO time, 'tomorrow at 9am', ...;
                                INTERVAL: '5m', '1 hour' or a cron expression ('0 9 * * *')
  cancel ID                     a pending job never runs; a running one is aborted
  trigger ID                    run now, bypassing the schedule
  remove ID                     delete a job and its history
  requeue-failed [NAME]         run failed jobs (of NAME, or every name) again

list, show and wait only read: they never migrate the store (hourglass migrate does).

options:
${STORE}
  --json                        machine-readable output`,

  pause: `usage: hourglass pause NAME [--store URL] [--json]

No process sharing the store claims jobs of NAME until hourglass resume NAME; running jobs finish.

options:
${STORE}`,

  resume: `usage: hourglass resume NAME [--store URL] [--json]

Jobs of NAME are claimed again (undoes hourglass pause NAME).

options:
${STORE}`,

  migrate: `usage: hourglass migrate [--store URL] [--status] [--json]

Brings the store's schema up to date (safe with many processes racing), ahead of a deploy. With --status,
lists applied and pending migrations and changes nothing.

options:
${STORE}
  --status                      list, do not migrate
  --json                        machine-readable output`,
};
COMMAND_USAGE.help = USAGE;
