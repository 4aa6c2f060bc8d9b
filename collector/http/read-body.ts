import type { IncomingMessage } from 'node:http';
import { RequestRefused } from './refusal';

/**
 * Reads a request body into one Buffer, never holding more than `maxBytes` of it: a declared
 * Content-Length above the cap is refused before reading, and a body that grows past the cap while
 * streaming (chunked, or a lying Content-Length) is refused at that point. Either way the rest is
 * discarded unread and the connection is closed after the 413, so the client cannot keep us busy.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes, declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        // Keep the socket readable (discarding) until the 413 is written and the connection closes;
        // a paused socket would leave a client that is still sending stuck before it reads the answer.
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(incomplete(err));
    };
    // 'close' before 'end': the client went away mid-body. Nobody is left to read an answer.
    const onClose = () => {
      cleanup();
      reject(incomplete());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(maxBytes: number, declared?: number): RequestRefused {
  const what = declared === undefined ? `the body is larger than ${maxBytes} bytes` : `the body is ${declared} bytes`;
  return new RequestRefused(413, 'body_too_large', `${what}; at most ${maxBytes} bytes are accepted per request: split the batch`, {
    details: { maxBytes },
    closeConnection: true,
  });
}

function incomplete(cause?: unknown): RequestRefused {
  return new RequestRefused(400, 'incomplete_body', 'the request body ended before it was complete (the client closed the connection)', { cause });
}
