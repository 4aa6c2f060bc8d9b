import { createServer } from 'node:net';

/**
 * A loopback TCP port nothing listens on right now (the kernel's choice for port 0), for tests and
 * benchmarks that start a server in a child process and must tell it where to listen.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
