import { ConfigError, OrderscopeError, UnavailableError, networkFailureReason } from '../common';

/** Where a command finds the tracker's API, and with which token. */
export interface TrackerApi {
  readonly url: string;
  readonly token: string;
}

/** The tracker of `--tracker` (default: the local one) and the token of `--token` or $ORDERSCOPE_TOKEN. */
export function trackerApi(opts: { tracker?: string; token?: string }, scope: string): TrackerApi {
  const token = opts.token ?? process.env.ORDERSCOPE_TOKEN;
  if (!token) throw new ConfigError(`no token for the tracker: pass --token or set ORDERSCOPE_TOKEN (a token with the ${scope} scope)`);
  return { url: opts.tracker ?? 'http://127.0.0.1:7401', token };
}

/**
 * Calls the tracker's API and resolves to the answer's body as text; a refusal becomes an error that
 * quotes the tracker's own message (which says what to fix), an unreachable tracker an
 * UnavailableError naming its address.
 */
export async function askTracker(api: TrackerApi, pathAndQuery: string | URL, method: 'GET' | 'POST' = 'GET'): Promise<string> {
  const url = new URL(pathAndQuery, api.url);
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { authorization: `Bearer ${api.token}` } });
  } catch (err) {
    throw new UnavailableError(`cannot reach the tracker at ${url.origin}: ${networkFailureReason(err)}; is it running? Start it (orderscope up), or pass --tracker with its URL`, err);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not our JSON error: keep the body as it is
    }
    throw new OrderscopeError(`the tracker answered ${res.status}: ${message}`, { code: 'tracker_refused', retriable: res.status >= 500 });
  }
  return text;
}
