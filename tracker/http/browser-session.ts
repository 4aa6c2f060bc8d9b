import type { Request, Response } from 'express';

/**
 * Browsers cannot send `Authorization: Bearer`, so the tracker's pages sign a browser in once: the
 * token reaches POST /login from one of the tracker's own pages, typed into the sign-in form or
 * carried by the `/?token=` link `orderscope up` prints (which lands on a page asking to confirm, not
 * signed in); it is checked and kept in this cookie, then the browser is redirected to a URL without
 * it. A sign-in posted by another site is refused (home-route.ts, same-origin.ts), so that no site can
 * sign a browser in with a token of its choosing.
 * HttpOnly: page scripts cannot read it (the pages have none anyway); SameSite=Strict: no other site
 * can make the browser send it, so it cannot be used for cross-site requests; Secure when the request
 * came over TLS. It holds the token itself (the tracker keeps no sessions) and lasts until the
 * browser closes. The cookie is accepted for GET and HEAD only: it reads, it never changes anything.
 */
export const SESSION_COOKIE = 'orderscope_token';

/**
 * The Authorization header to decide a request by: its own, or for a GET or HEAD from a signed-in
 * browser, the session cookie's token as a bearer token.
 */
export function authorizationOf(req: Request): string | undefined {
  if (req.headers.authorization !== undefined) return req.headers.authorization;
  const token = sessionToken(req);
  return token === undefined ? undefined : `Bearer ${token}`;
}

/** The token in the session cookie of a GET or HEAD request, if any. */
export function sessionToken(req: Request): string | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) {
      try {
        return decodeURIComponent(value.join('=')) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function setSessionCookie(req: Request, res: Response, token: string): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

/**
 * Where to go after signing in: a path of this server only (it starts with one "/"), so that a link
 * cannot send a freshly signed-in browser to another site.
 */
export function localPath(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : fallback;
}
