/** Ports for tests: one the OS just handed out and took back. */
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that was free a moment ago: nothing listens on it, so a connection to it is refused, and a
 * server the test starts can take it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
