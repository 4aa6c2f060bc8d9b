import net from 'node:net';

/**
 * A TCP load balancer on 127.0.0.1 in front of several servers, as a Kubernetes Service is in front
 * of the collector's replicas: each new connection goes to the next backend that accepts it (round
 * robin); with none up, the client's connection is reset. It can also make the network slow without
 * root (no tc/netem in CI): every chunk, both ways, waits `delayMs` before it is forwarded, in order.
 */
export interface TcpBalancer {
  readonly url: string;
  /** Delay every forwarded chunk by this much from now on (0: none). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpBalancer(backendPorts: readonly number[]): Promise<TcpBalancer> {
  let next = 0;
  let delayMs = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const connect = (tried: number, onConnected: (upstream: net.Socket) => void, onFailed: () => void) => {
    if (tried >= backendPorts.length) return onFailed();
    const port = backendPorts[next++ % backendPorts.length]!;
    const upstream = net.connect({ host: '127.0.0.1', port });
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      onConnected(upstream);
    });
    upstream.once('error', () => connect(tried + 1, onConnected, onFailed));
  };

  const server = net.createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    connect(
      0,
      (upstream) => {
        track(upstream);
        // An error is followed by 'close', which passes it on.
        upstream.on('error', () => undefined);
        const toUpstream = forward(client, upstream, () => delayMs);
        const toClient = forward(upstream, client, () => delayMs);
        // A side that closes is passed on once what it sent before (delayed chunks) is through.
        upstream.once('close', () => void toClient().then(() => client.destroy()));
        client.once('close', () => void toUpstream().then(() => upstream.destroy()));
        client.resume();
      },
      () => client.resetAndDestroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Pipes `from` into `to`, each chunk `delay()` ms late, keeping their order; returns what resolves once all sent so far is through. */
function forward(from: net.Socket, to: net.Socket, delay: () => number): () => Promise<void> {
  let chain = Promise.resolve();
  from.on('data', (chunk: Buffer) => {
    const ms = delay();
    if (ms === 0) {
      chain = chain.then(() => void (to.destroyed || to.write(chunk)));
      return;
    }
    chain = chain.then(() => new Promise<void>((resolve) => setTimeout(() => (to.destroyed || to.write(chunk), resolve()), ms)));
  });
  from.once('end', () => void chain.then(() => to.end()));
  return () => chain;
}
