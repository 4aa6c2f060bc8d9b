import type { Request } from 'express';

/**
 * This server as the browser addressed it: the request's scheme and its Host header. A browser's
 * Origin header names the page a form was on the same way, so the two compare as strings.
 */
export function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * The page a request says it was sent from: its Origin header, or, when a browser sent none, the
 * origin of its Referer. Undefined when it carries neither (or an unreadable Referer).
 */
export function senderOrigin(req: Request): string | undefined {
  const origin = req.get('origin');
  if (origin !== undefined) return origin;
  const referer = req.get('referer');
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/**
 * Why a browser request that changes the browser's state (signing it in) is refused, in words for the
 * person at that browser; undefined when it came from a page of this server. Without this check any
 * site could post its own token to /login and have the victim's browser work, unknowingly, under the
 * attacker's identity (login CSRF): SameSite cookies do not help, as the request needs no cookie.
 */
export function crossSiteRefusal(req: Request): string | undefined {
  const own = ownOrigin(req);
  const sender = senderOrigin(req);
  if (sender === own) return undefined;
  if (sender === undefined) {
    return `Your browser sent neither an Origin nor a Referer header, so the tracker cannot tell that this sign-in came from its own page at ${own}, and refused it. Sign in with the form below; if this keeps happening, a browser extension or a proxy removes those headers.`;
  }
  return `This sign-in was sent from ${sender}, not from the tracker’s own page at ${own}, so it was refused: another site may be trying to sign your browser in with a token of its choosing. Sign in with the form below. (Behind a proxy, the proxy must pass on the Host header the browser used.)`;
}
