/**
 * A TCP proxy between a test's clients and a real server that can stall the network for real: while stalled,
 * it stops reading from both sides of every connection (TCP keeps them open, data waits in the kernel's
 * buffers), as a partition or a frozen switch does; resume() lets everything through again. Connections made
 * while stalled are accepted and stall too.
 */
import net from 'node:net';

export interface StallProxy {
  /** The port clients connect to (127.0.0.1). */
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

type Pair = [client: net.Socket, upstream: net.Socket];

/** Data flows both ways. */
function flow([client, upstream]: Pair): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Nothing is read from either side (unpiped first: a pipe resumes its source when the destination drains). */
function freeze([client, upstream]: Pair): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  const server = net.createServer((client) => {
    const pair: Pair = [client, net.connect(target.port, target.host)];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      for (const socket of pair) socket.destroy();
    };
    for (const socket of pair) socket.on('error', end).on('close', end);
    if (stalled) freeze(pair);
    else flow(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall() {
      stalled = true;
      for (const pair of pairs) freeze(pair);
    },
    resume() {
      stalled = false;
      for (const pair of pairs) flow(pair);
    },
    async close() {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A stall proxy in front of the server a store URL points at, and the same URL through it. */
export async function proxyFor(url: string): Promise<{ proxy: StallProxy; through: URL }> {
  const direct = new URL(url);
  const proxy = await startStallProxy({ host: direct.hostname, port: Number(direct.port) });
  const through = new URL(url);
  through.port = String(proxy.port);
  return { proxy, through };
}
