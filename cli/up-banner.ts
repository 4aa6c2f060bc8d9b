import type { EmbeddedToken } from './embedded';

/** What the banner of `orderscope up` tells about the running platform. */
export interface UpBannerFacts {
  readonly collectorUrl: string;
  readonly trackerUrl: string;
  readonly token: EmbeddedToken;
  readonly modelName: string;
  readonly demo: boolean;
  /** Where the log lines go, when not to stdout (a terminal). */
  readonly logFile?: string;
  /** Where the alert rules and dashboards for the running model were written, if they were. */
  readonly generatedDir?: string | undefined;
}

/**
 * What `orderscope up` prints once it runs: the home page first (it needs nothing but a browser), the
 * API's URLs, where the token is and a `curl` line to try. The token itself is printed once, in the
 * home page link of the first start, because a terminal's output ends up in scrollback and in log
 * shippers; every other line, and every later start, points to the token file instead.
 */
export function upBanner(f: UpBannerFacts): string {
  const { trackerUrl, token } = f;
  const tokenFile = shellQuote(token.file);
  return [
    '',
    `orderscope is up (embedded mode, model "${f.modelName}"${f.demo ? ', demo orders flowing' : ''})`,
    '',
    // The link opens a page that asks before signing the browser in (the token then lives in a cookie).
    token.created
      ? `  home page    ${trackerUrl}/?token=${encodeURIComponent(token.value)}   (open it in a browser; this link, with the token, is printed only this once)`
      : `  home page    ${trackerUrl}/   (sign in with the API token)`,
    `  report       ${trackerUrl}/v1/reports/latency?format=html   (the last 7 days)`,
    `  stuck        ${trackerUrl}/stuck   (the orders past their expected time, by state)`,
    `  lost         ${trackerUrl}/lost   (the orders declared lost, by state)`,
    `  orders API   ${trackerUrl}/v1/orders   (JSON)`,
    `  metrics      ${trackerUrl}/metrics`,
    `  ingest       POST ${f.collectorUrl}/v1/events`,
    '',
    `  API token    in ${token.file}${token.created ? '   (created now, readable by you only)' : ''}`,
    ...(f.logFile ? [`  logs         ${f.logFile}   (tail -f it)`] : []),
    ...(f.generatedDir === undefined ? [] : [`  monitoring   ${f.generatedDir}   (alert rules and Alertmanager config in alerts/, Grafana dashboards in dashboards/)`]),
    '',
    'Try:',
    `  curl -s -H "Authorization: Bearer $(cat ${tokenFile})" '${trackerUrl}/v1/orders?limit=5'`,
    '',
  ].join('\n');
}

/** A path as one word of a POSIX shell, whatever characters it has. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
