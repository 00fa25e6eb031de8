/** The logger a Scheduler uses when given none: info readable in a terminal, warn-and-up JSON elsewhere. */
import { expect, it } from 'vitest';
import { defaultLogger } from '../../src/core/logger.js';

function stream(isTTY: boolean) {
  const lines: string[] = [];
  return { isTTY, lines, write: (chunk: string) => lines.push(chunk) };
}

it('shows ctx.logger.info in a terminal, in a readable line', () => {
  const out = stream(true);
  defaultLogger(out).info({ to: 'a@example.com' }, 'sending');
  expect(out.lines).toHaveLength(1);
  expect(out.lines[0]).toMatch(/INFO\s+sending\s+to=a@example\.com/);
  expect(() => JSON.parse(out.lines[0]!)).toThrow();
});

it('keeps quiet below warn, and writes JSON lines, when not a terminal', () => {
  const out = stream(false);
  const logger = defaultLogger(out);
  logger.info('sending');
  logger.warn({ jobId: '1' }, 'job failed; will retry');
  expect(out.lines).toHaveLength(1);
  expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 'warn', msg: 'job failed; will retry', jobId: '1' });
});
