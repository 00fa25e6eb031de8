#!/usr/bin/env node
/**
 * The hourglass command line. Verbs:
 *   hourglass demo [--store URL]                     example jobs on the embedded store; Ctrl-C stops gracefully
 *   hourglass worker --store URL --jobs DIR          run the jobs that DIR's modules define
 *   hourglass serve --store URL --port N             the HTTP API and dashboard (and workers, unless --no-workers)
 *   hourglass jobs list|show|cancel|trigger ...      inspect and manage jobs
 *   hourglass migrate --store URL [--status]         bring a store's schema up to date (or show where it stands)
 * Store URLs: sqlite:./file.db, sqlite::memory:, postgres://…?schema=name, redis://…?prefix=name
 * (default: $HOURGLASS_STORE, else sqlite:./hourglass.db).
 */
import { parseArgs } from 'node:util';
import { HourglassError } from '../core/errors.js';
import { runDemo } from './demo.js';
import { jobsCommand } from './jobs.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';

const USAGE = `usage: hourglass <command> [options]

commands:
  demo                          run example jobs on the embedded SQLite store (Ctrl-C to stop)
  worker --jobs DIR             run the jobs defined by the modules in DIR
  serve [--port N] [--host H] [--token T] [--jobs DIR] [--no-workers]
                                the HTTP API, /metrics and the dashboard (default 127.0.0.1:3000),
                                running DIR's jobs unless --no-workers; token also from $HOURGLASS_TOKEN
  jobs list [--status S] [--name N] [--limit N] [--offset N]
  jobs show ID                  a job and its history
  jobs cancel ID | jobs trigger ID
  migrate [--status]            apply pending schema migrations (or list applied and pending ones)

options:
  --store URL                   sqlite:./hourglass.db (default), sqlite::memory:,
                                postgres://user@host/db?schema=name, redis://host:6379?prefix=name
  --json                        machine-readable output (jobs, migrate)
  --concurrency N               jobs run at once (worker, serve, demo)
  --port N, --host H            where to listen (serve, demo)
  -h, --help`;

export async function main(argv: string[]): Promise<number> {
  // --status is a flag for migrate and takes a value for jobs list: each verb gets its own option table.
  const verb = argv.find((a) => !a.startsWith('-'));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      store: { type: 'string' },
      jobs: { type: 'string' },
      status: { type: verb === 'migrate' ? 'boolean' : 'string' },
      name: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      json: { type: 'boolean' },
      concurrency: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'no-workers': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const store = values.store ?? process.env.HOURGLASS_STORE ?? 'sqlite:./hourglass.db';
  switch (command) {
    case 'demo':
      return runDemo({ store: values.store ?? process.env.HOURGLASS_STORE ?? 'sqlite:./hourglass-demo.db', concurrency: values.concurrency, port: values.port, host: values.host });
    case 'worker':
      return workerCommand({ store, jobs: values.jobs, concurrency: values.concurrency });
    case 'serve':
      return serveCommand({
        store,
        port: values.port,
        host: values.host,
        token: values.token ?? process.env.HOURGLASS_TOKEN,
        jobs: values.jobs,
        concurrency: values.concurrency,
        workers: values['no-workers'] !== true,
      });
    case 'jobs':
      return jobsCommand(rest, { store, json: values.json === true, status: values.status as string | undefined, name: values.name, limit: values.limit, offset: values.offset });
    case 'migrate':
      return migrateCommand({ store, status: values.status === true || rest[0] === 'status', json: values.json === true });
    default:
      process.stderr.write(`hourglass: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HourglassError) process.stderr.write(`hourglass: ${error.message} [${error.code}]\n`);
    else if (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`hourglass: ${error.message}\n\n${USAGE}\n`);
    else process.stderr.write(`hourglass: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
