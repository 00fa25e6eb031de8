#!/usr/bin/env node
/**
 * The hourglass command line (help texts in help.ts). Each command parses its own options, so a flag means one
 * thing per command (--status takes a value for `jobs list` and none for `migrate`) and a misspelt flag is
 * refused. Exit codes: 0 done, 1 failed (the message names the cause and its code), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HourglassError } from '../core/errors.js';
import { COMMAND_USAGE, USAGE, UsageError } from './help.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const STORE: Options = { store: { type: 'string' }, json: { type: 'boolean' } };
const OPTIONS: Record<string, Options> = {
  demo: { store: { type: 'string' }, concurrency: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  worker: { store: { type: 'string' }, jobs: { type: 'string' }, concurrency: { type: 'string' } },
  serve: {
    store: { type: 'string' },
    jobs: { type: 'string' },
    concurrency: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    'no-workers': { type: 'boolean' },
  },
  jobs: {
    ...STORE,
    status: { type: 'string' },
    name: { type: 'string' },
    group: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    data: { type: 'string' },
    at: { type: 'string' },
    in: { type: 'string' },
    every: { type: 'string' },
    timezone: { type: 'string' },
    priority: { type: 'string' },
    attempts: { type: 'string' },
    'dedupe-key': { type: 'string' },
    label: { type: 'string' },
    timeout: { type: 'string' },
  },
  pause: STORE,
  resume: STORE,
  migrate: { ...STORE, status: { type: 'boolean' } },
  help: {},
};
const COMMON: Options = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } };
/** Options that take a value, so `hourglass --store URL jobs list` finds the command after URL. */
const VALUED = new Set(Object.values(OPTIONS).flatMap((o) => Object.entries(o).filter(([k, v]) => v.type === 'string' && k !== 'status').map(([k]) => `--${k}`)));

export async function main(argv: string[]): Promise<number> {
  const command = findCommand(argv);
  if (command === undefined || !(command in OPTIONS)) {
    const { values } = parse(argv, COMMON, true);
    if (values.version) return print(version());
    if (values.help) return print(USAGE);
    if (command === undefined) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`hourglass: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parse(argv, { ...COMMON, ...OPTIONS[command] }, false);
  const rest = positionals.slice(1);
  if (values.version) return print(version());
  if (values.help) return print(COMMAND_USAGE[command]!);
  const v = values as Record<string, string | boolean | undefined>;
  const str = (key: string) => v[key] as string | undefined;
  const store = str('store') ?? (process.env.HOURGLASS_STORE || 'sqlite:./hourglass.db');
  switch (command) {
    case 'help':
      if (rest[0] !== undefined && !(rest[0] in COMMAND_USAGE)) throw new UsageError(`no command "${rest[0]}"`, USAGE);
      return print(rest[0] === undefined ? USAGE : COMMAND_USAGE[rest[0]]!);
    case 'demo':
      return (await load(() => import('./demo.js'))).runDemo({ store: str('store') ?? (process.env.HOURGLASS_STORE || 'sqlite:./hourglass-demo.db'), concurrency: str('concurrency'), port: str('port'), host: str('host') });
    case 'worker':
      return (await load(() => import('./worker.js'))).workerCommand({ store, jobs: str('jobs'), concurrency: str('concurrency') });
    case 'serve':
      return (await load(() => import('./serve.js'))).serveCommand({
        store,
        port: str('port'),
        host: str('host'),
        token: str('token') ?? (process.env.HOURGLASS_TOKEN || undefined),
        jobs: str('jobs'),
        concurrency: str('concurrency'),
        workers: v['no-workers'] !== true,
      });
    case 'jobs':
      return (await load(() => import('./jobs.js'))).jobsCommand(rest, { ...(v as Record<string, string | undefined>), store, json: v.json === true });
    case 'pause':
    case 'resume':
      return (await load(() => import('./jobs.js'))).pauseCommand(command, rest, { store, json: v.json === true });
    case 'migrate':
      return (await load(() => import('./migrate.js'))).migrateCommand({ store, status: v.status === true || rest[0] === 'status', json: v.json === true });
  }
  return 2;
}

/** Set once a command module is loaded: shared.ts then knows what the command opened, to close it. */
let shared: typeof import('./shared.js') | undefined;

/** Commands load on demand, so --version and --help answer without loading the scheduler. */
async function load<T>(command: () => Promise<T>): Promise<T> {
  const module = await command();
  shared = await import('./shared.js');
  return module;
}

/** The first argument that is neither an option nor an option's value. */
function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-')) return arg;
    if (VALUED.has(arg)) i++;
  }
  return undefined;
}

function parse(argv: string[], options: Options, loose: boolean) {
  return parseArgs({ args: argv, allowPositionals: true, strict: !loose, options });
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

function report(error: unknown): number {
  const e = error as { code?: unknown; message?: unknown; usage?: string } | null;
  if (error instanceof UsageError) {
    process.stderr.write(`hourglass: ${error.message}\n\n${error.usage}\n`);
    return 2;
  }
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
    const command = findCommand(process.argv.slice(2));
    process.stderr.write(`hourglass: ${String(e.message)}\n\n${(command && COMMAND_USAGE[command]) || USAGE}\n`);
    return 2;
  }
  if (error instanceof HourglassError) process.stderr.write(`hourglass: ${error.message} [${error.code}]\n`);
  else process.stderr.write(`hourglass: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

/**
 * Run, then release every store and scheduler the command opened, whether it succeeded or not, so the process
 * exits by itself. Should a driver still hold a handle a few seconds later, exit anyway and say so: a command
 * that has finished never hangs.
 */
async function run(): Promise<void> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    code = report(error);
  }
  await shared?.closeEverything().catch((error: unknown) => {
    process.stderr.write(`hourglass: closing the store failed: ${(error as Error)?.message ?? String(error)}\n`);
  });
  process.exitCode = code;
  setTimeout(() => {
    process.stderr.write('hourglass: a connection was still open 3 s after the command finished; exiting anyway\n');
    process.exit(code);
  }, 3_000).unref();
}

void run();
