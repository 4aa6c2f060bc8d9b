import { createServer, type Server } from 'node:net';

/**
 * Ports this process has handed out lately, oldest first. A test often starts a server on one port
 * and only then asks for the next, before the first server has bound its own: the kernel, asked for
 * any free port, may give the same one again, and the second server then takes the first one's port
 * (an e2e stack once sent its shop's orders to its tracker that way). So a port handed out is not
 * handed out again by this process until `REMEMBERED` others have been.
 */
const handedOut: number[] = [];
const REMEMBERED = 4096;
/** How many ports the kernel may give that were handed out lately before we give up. */
const MAX_REFUSED = 1000;

/**
 * A loopback TCP port nothing listens on right now (the kernel's choice for port 0), for tests and
 * benchmarks that start a server in a child process and must tell it where to listen. Not one this
 * process has handed out lately (see `handedOut`).
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` distinct free loopback ports, none handed out lately, for servers started later. Every
 * port the kernel gives is held open until all `count` are chosen, so it cannot give one twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const listen = () =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      servers.push(server);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  try {
    const ports: number[] = [];
    let refused = 0;
    while (ports.length < count) {
      const port = await listen();
      if (!handedOut.includes(port)) ports.push(port);
      else if (++refused > MAX_REFUSED) throw new Error(`the kernel gave ${MAX_REFUSED} ports this process had handed out lately: is the ephemeral port range tiny?`);
    }
    handedOut.push(...ports);
    handedOut.splice(0, Math.max(0, handedOut.length - REMEMBERED));
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}
