import { createServer, type Server } from 'node:net';

/**
 * A loopback TCP port nothing listens on right now (the kernel's choice for port 0), for tests and
 * benchmarks that start a server in a child process and must tell it where to listen.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` distinct free loopback ports, for servers started later. One at a time, the kernel may give
 * back the port it just freed (about once in 3,000 pairs here), and the second server would then find
 * the first one listening there: all `count` are held open until every one is chosen.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    return await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<number>((resolve, reject) => {
            const server = createServer();
            servers.push(server);
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}
