/** A logger for tests that keeps what the library said, to assert on or to wait for. */
import type { Logger } from '../../src/core/logger.js';

export interface LogRecord {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every record and resolves `when()` waiters as soon as a matching record arrives. */
export function recordingLogger(): Logger & { records: LogRecord[]; when(match: (r: LogRecord) => boolean): Promise<LogRecord> } {
  const records: LogRecord[] = [];
  const waiters: { match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];
  const push = (record: LogRecord) => {
    records.push(record);
    for (const w of waiters.splice(0)) {
      if (w.match(record)) w.resolve(record);
      else waiters.push(w);
    }
  };
  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: string) => (first: unknown, second?: unknown) => {
      if (typeof first === 'string') push({ level, msg: first, fields: { ...bindings, ...((second as object) ?? {}) } });
      else push({ level, msg: String(second ?? ''), fields: { ...bindings, ...((first as object) ?? {}) } });
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), {
    records,
    when(match: (r: LogRecord) => boolean) {
      const found = records.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<LogRecord>((resolve) => waiters.push({ match, resolve }));
    },
  });
}
