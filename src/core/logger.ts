/**
 * The logger hourglass writes through. Compatible with pino (`logger.info(obj, msg)`), and with loggers that
 * take the message first (`logger.info(msg, obj)`). Library code never writes to the console directly.
 */
export interface LogFn {
  (message: string, ...args: unknown[]): void;
  (fields: object, message?: string, ...args: unknown[]): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds these fields to every line. Optional: without it hourglass adds them itself. */
  child?(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * A small structured logger writing one line per record to a stream (stderr by default).
 * `pretty` prints `time level msg key=value` for people; otherwise JSON lines for machines.
 */
export function createLogger(options: {
  level?: LogLevel;
  pretty?: boolean;
  stream?: { write(chunk: string): unknown };
  bindings?: Record<string, unknown>;
} = {}): Logger {
  const level = LEVELS[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;
  const bindings = options.bindings ?? {};
  const write = (name: Exclude<LogLevel, 'silent'>) =>
    ((first: unknown, ...rest: unknown[]) => {
      if (LEVELS[name] < level) return;
      const { msg, fields } = normalise(first, rest);
      const record = { ...bindings, ...fields };
      if (options.pretty) {
        const extras = Object.entries(record)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
          .join(' ');
        stream.write(`${new Date().toISOString()} ${name.toUpperCase().padEnd(5)} ${msg}${extras ? `  ${extras}` : ''}\n`);
      } else {
        stream.write(`${safeJson({ time: Date.now(), level: name, msg, ...record })}\n`);
      }
    }) as LogFn;
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** A child logger with these fields, whether or not the given logger implements child(). */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (typeof logger.child === 'function') return logger.child(bindings);
  const wrap = (fn: LogFn): LogFn =>
    ((first: unknown, ...rest: unknown[]) => {
      if (typeof first === 'string') return fn({ ...bindings, ...(isObject(rest[0]) ? rest[0] : {}) }, first);
      return fn({ ...bindings, ...(isObject(first) ? first : {}) }, ...(rest as [string]));
    }) as LogFn;
  return {
    debug: wrap(logger.debug.bind(logger)),
    info: wrap(logger.info.bind(logger)),
    warn: wrap(logger.warn.bind(logger)),
    error: wrap(logger.error.bind(logger)),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  };
}

function normalise(first: unknown, rest: unknown[]): { msg: string; fields: Record<string, unknown> } {
  if (typeof first === 'string') {
    const fields = isObject(rest[0]) ? errorFields(rest[0] as Record<string, unknown>) : {};
    return { msg: first, fields };
  }
  if (first instanceof Error) return { msg: typeof rest[0] === 'string' ? rest[0] : first.message, fields: { err: serialiseError(first) } };
  const fields = isObject(first) ? errorFields(first as Record<string, unknown>) : {};
  return { msg: typeof rest[0] === 'string' ? rest[0] : '', fields };
}

function errorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? serialiseError(v) : v;
  return out;
}

function serialiseError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return '"[unserialisable]"';
  }
}

/**
 * The logger a Scheduler uses when given none: in a terminal, info and up, readable (so a handler's
 * ctx.logger.info shows while trying things out); otherwise warn and up as JSON lines, for log collectors.
 */
export function defaultLogger(stream: { write(chunk: string): unknown; isTTY?: boolean } = process.stderr): Logger {
  const tty = stream.isTTY === true;
  return createLogger({ level: tty ? 'info' : 'warn', pretty: tty, stream });
}
