/**
 * serve(): the API and dashboard on their own node:http server. The caller owns the scheduler: close() stops
 * the server, not the scheduler (start and stop it yourself, or use `hourglass serve`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../core/errors.js';
import type { Scheduler } from '../core/scheduler.js';
import { assertInt } from '../core/validate.js';
import { createHttpHandler, type HttpHandlerOptions } from './handler.js';

export interface ServeOptions extends HttpHandlerOptions {
  /** 0 picks a free port (read it back from `port`). Default 3000. */
  port?: number;
  /** Default '127.0.0.1': reachable from this machine only, until you choose otherwise (and set a token). */
  host?: string;
}

export interface RunningServer {
  server: Server;
  /** The port bound (the real one when 0 was asked for). */
  port: number;
  host: string;
  /** Where the dashboard is, such as http://127.0.0.1:3000/ (with basePath). */
  url: string;
  /** Stop accepting connections, finish or cut the open ones, stop the metrics listeners. */
  close(): Promise<void>;
}

/** A client must send its whole request within this long, so a stalled one cannot hold a socket forever. */
const REQUEST_TIMEOUT_MS = 60_000;
/** close() waits this long for requests in flight before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;

export async function serve(scheduler: Scheduler, options: ServeOptions = {}): Promise<RunningServer> {
  const { port: rawPort, host: rawHost, ...handlerOptions } = options ?? {};
  const port = rawPort === undefined ? 3000 : assertInt(rawPort, 'options.port', 0);
  if (port > 65535) throw new ValidationError('options.port', port, 'must be at most 65535');
  const host = rawHost ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new ValidationError('options.host', host, 'must be a host name or address');

  const handler = createHttpHandler(scheduler, handlerOptions);
  const server = createServer(handler);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => scheduler.logger.error({ err: error }, 'HTTP server error'));
  const bound = (server.address() as AddressInfo).port;
  const base = (handlerOptions.basePath ?? '').replace(/\/+$/, '');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${base}/`;

  let closing: Promise<void> | null = null;
  return {
    server,
    port: bound,
    host,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        handler.dispose();
        server.close(() => resolve());
        // Keep-alive sockets with no request would hold close() open: end them now, and the busy ones after a grace.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}
