import type { Response } from 'express';
import { CONTENT_SECURITY_POLICY } from '../html';

/** Headers of every answer that carries orders' data: private, never cached, never sniffed as another type. */
export function setPrivateHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * Answers with one of the tracker's HTML pages, under its Content-Security-Policy (no script, no
 * framing). Its address goes to no other site as a Referer (the sign-in confirm page has a token in
 * it): `same-origin`, not `no-referrer`, because under `no-referrer` a browser sends `Origin: null`
 * with a form's POST, and /login must see the page's own origin to accept a sign-in.
 */
export function sendPage(res: Response, status: number, page: string): void {
  setPrivateHeaders(res);
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('Referrer-Policy', 'same-origin');
  res.status(status).type('text/html; charset=utf-8').send(page);
}
