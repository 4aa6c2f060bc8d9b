import { createServer } from 'node:net';
import { freePort, freePorts } from './free-port';

/** Whether a server can listen on `port` of 127.0.0.1 now. */
const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('free loopback ports', () => {
  it('gives ports that a server can listen on, each of several distinct', async () => {
    const port = await freePort();
    expect(await canListen(port)).toBe(true);
    // Many at once: any two equal would fail the set's size, whatever the kernel hands out.
    for (let round = 0; round < 50; round++) {
      const ports = await freePorts(4);
      expect(new Set(ports).size).toBe(4);
    }
    const ports = await freePorts(3);
    for (const p of ports) expect(await canListen(p)).toBe(true);
  });

  it('never hands out a port again soon, though each was free again before the next was asked for', async () => {
    // The kernel, asked one port at a time, gives a port it just freed back now and then; a test
    // that starts its servers later would then start two on one port.
    const ports: number[] = [];
    for (let i = 0; i < 2000; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(2000);
  });
});
