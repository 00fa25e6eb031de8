/** A logger that records what it is given, for asserting on warnings. */
import type { LogFn, Logger } from '../../src/core/logger.js';

export interface Captured {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: unknown;
}

export function captureLogger(): Logger & { lines: Captured[]; text(level?: Captured['level']): string } {
  const lines: Captured[] = [];
  const at = (level: Captured['level']): LogFn =>
    ((first: unknown, second?: unknown) => {
      if (typeof first === 'string') lines.push({ level, msg: first, fields: second });
      else lines.push({ level, msg: typeof second === 'string' ? second : '', fields: first });
    }) as LogFn;
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: (level) => lines.filter((l) => !level || l.level === level).map((l) => l.msg).join('\n'),
  };
}
