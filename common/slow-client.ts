import { connect } from 'node:net';

/**
 * A client that sends the start of a request and then nothing more, the way a slow or hostile
 * client holds a connection. Resolves, once the server has closed the connection, with all the
 * server sent (for tests that servers answer such clients 408 and let go of them).
 */
export function sendAndStall(url: string, partialRequest: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(partialRequest);
  });
}
