/**
 * The server side of seed 003 (Better Query's jobs plugin): the handlers, a scheduler on the store, and the
 * REST API with its dashboard, plus what the seed listed as future enhancements (priorities, advanced cron,
 * dependencies, webhooks, rate limits, a dead-letter queue), which hourglass has.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Scheduler, storeFromUrl, type WebhookPayload } from 'hourglass-jobs';
import { serve, type RunningServer } from 'hourglass-jobs/http';

export interface App {
  api: RunningServer;
  scheduler: Scheduler;
  /** Webhook deliveries received, signature checked. */
  deliveries: WebhookPayload[];
  /** When each run of callPartnerApi started (ms). */
  partnerCalls: number[];
  /** Bring the payment gateway back (processPayments fails until then). */
  fixGateway(): void;
  close(): Promise<void>;
}

export async function startApp(url: string): Promise<App> {
  const deliveries: WebhookPayload[] = [];
  const partnerCalls: number[] = [];
  const secret = 'example-secret';
  const receiver = await webhookReceiver(secret, deliveries);
  let gatewayUp = false;

  const scheduler = new Scheduler({
    store: await storeFromUrl(url),
    pollInterval: 200, // the seed's pollInterval: 60000
    defaults: { attempts: 3, backoff: { type: 'fixed', delay: 50 } }, // the seed's defaultMaxAttempts: 3
    // Future enhancement "webhook notifications on job completion/failure".
    webhooks: [{ url: receiver.url, events: ['job:complete'], names: ['processPayments', 'emailReport'], secret }],
  });

  // The seed's handlers (data in, result out; the result is kept in the job's history).
  scheduler.define('cleanupOldRecords', async (job) => ({ deleted: 42, olderThanDays: (job.data as { days?: number }).days }));
  scheduler.define('sendNotifications', async (job) => ({ sent: (job.data as { users: string[] }).users.length }));
  scheduler.define('generateReports', async () => ({ report: 'generated' }));
  scheduler.define('processUpload', async (job) => ({ fileId: (job.data as { fileId: string }).fileId, processed: true }));
  scheduler.define('processPayments', async (job) => {
    if (!gatewayUp) throw new Error('payment gateway unavailable');
    return { processed: 3, batchId: (job.data as { batchId: string }).batchId };
  });
  // Future enhancement "job dependencies (run job B after job A completes)": `then`, and ctx.followUp below.
  scheduler.define('fetchReport', async (job) => ({ rows: 128, month: (job.data as { month: string }).month }), { then: 'emailReport' });
  scheduler.define('emailReport', async (job, ctx) => {
    ctx.followUp('archiveReport', { month: (job.data as { month: string }).month }); // only if this run succeeds
    return { emailed: `report of ${(job.data as { rows: number }).rows} rows` };
  });
  scheduler.define('archiveReport', async (job) => ({ archived: (job.data as { month: string }).month }));
  // Future enhancement "rate limiting and throttling": at most 2 starts per 500 ms.
  scheduler.define(
    'callPartnerApi',
    async () => {
      partnerCalls.push(Date.now());
      return { ok: true };
    },
    { rateLimit: { max: 2, per: '500ms' } },
  );

  await scheduler.start(); // the seed's autoStart: true
  const api = await serve(scheduler, { port: 0 });
  return {
    api,
    scheduler,
    deliveries,
    partnerCalls,
    fixGateway: () => {
      gatewayUp = true;
    },
    async close() {
      await api.close();
      await scheduler.stop({ graceful: true, timeoutMs: 10_000 });
      await new Promise((r) => receiver.server.close(r));
    },
  };
}

/** Receives webhook deliveries and checks each signature (x-hourglass-signature: sha256=<hex HMAC of the body>). */
async function webhookReceiver(secret: string, into: WebhookPayload[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-hourglass-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      into.push(JSON.parse(body.toString()) as WebhookPayload);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/jobs` };
}
