import type { Response } from 'express';
import { CONTENT_SECURITY_POLICY } from '../html';

/** Headers of every answer that carries orders' data: private, never cached, never sniffed as another type. */
export function setPrivateHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** Answers with one of the tracker's HTML pages, under its Content-Security-Policy (no script, no framing). */
export function sendPage(res: Response, status: number, page: string): void {
  setPrivateHeaders(res);
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.status(status).type('text/html; charset=utf-8').send(page);
}
