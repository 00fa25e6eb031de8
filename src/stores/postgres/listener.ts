/**
 * Cross-process wake-ups: one dedicated connection per store LISTENs on the schema's channel. It is a plain
 * pg.Client, never a pool client, so it neither holds one of the pool's working connections forever nor gets
 * recycled by the pool's idle timeout. When the connection drops (server restart, pg_terminate_backend,
 * network), it reconnects by itself with capped exponential backoff and then wakes its subscribers once,
 * since notifications sent while it was away are lost. Wake-ups are hints: the scheduler polls regardless.
 */
import type pg from 'pg';
import { pg as driver } from './driver.js';
import type { Logger } from '../../core/logger.js';

export interface ListenerOptions {
  clientConfig: pg.ClientConfig;
  channel: string;
  logger: Logger;
  onWake: () => void;
  /** First retry delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class WakeListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private everConnected = false;
  private readonly probes = new Map<string, () => void>();

  constructor(private readonly options: ListenerOptions) {}

  /** Connects once; if that fails, keeps retrying in the background (subscribing never throws for it). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  /**
   * Whether a notification sent with `send(payload)` (through the store's pool) comes back to this listener
   * within `timeoutMs`. A pooler in transaction mode between the two, or a LISTEN connection that reaches
   * another server, answers false: wake-ups would be silently lost.
   */
  async probe(send: (payload: string) => Promise<unknown>, timeoutMs: number): Promise<boolean> {
    const payload = `probe:${Math.random().toString(36).slice(2)}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.probes.set(payload, () => resolve(true));
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    try {
      await send(payload);
      return await heard;
    } finally {
      clearTimeout(timer);
      this.probes.delete(payload);
    }
  }

  /** Whether the LISTEN connection is up right now. */
  get connected(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new driver.Client(this.options.clientConfig);
    // Every event handler checks it still belongs to the current client: a dead client's late events are ignored.
    client.on('notification', (message) => {
      if (this.client !== client || message.channel !== this.options.channel) return;
      const probe = message.payload === undefined ? undefined : this.probes.get(message.payload);
      if (probe) probe();
      else this.options.onWake();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (error) {
      client.end().catch(() => undefined);
      this.retry(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0 || this.everConnected) {
      this.options.logger.info({ channel: this.options.channel, after: this.failures }, 'postgres wake-up listener reconnected');
      // Notifications sent while we were away are gone; make the scheduler look now.
      this.options.onWake();
    }
    this.failures = 0;
    this.everConnected = true;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.retry(error);
  }

  private retry(error: Error): void {
    if (this.stopped || this.timer) return;
    const min = this.options.minDelayMs ?? 100;
    const max = this.options.maxDelayMs ?? 30_000;
    const base = Math.min(max, min * 2 ** this.failures);
    const delay = Math.round(base / 2 + Math.random() * (base / 2)); // jitter: many processes do not reconnect in step
    this.failures += 1;
    this.options.logger.warn(
      { channel: this.options.channel, attempt: this.failures, retryInMs: delay, err: error },
      'postgres wake-up listener lost its connection; reconnecting',
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
    this.timer.unref();
  }
}
