import { upBanner } from './up-banner';

const TOKEN = 'osk_abcdefghijklmnopqrstuvwxyz012345';
const facts = (created: boolean, file = '/home/ana/.orderscope/token') => ({
  collectorUrl: 'http://127.0.0.1:7400',
  trackerUrl: 'http://127.0.0.1:7401',
  token: { value: TOKEN, file, created },
  modelName: 'demo',
  demo: true,
});

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('the banner of orderscope up', () => {
  it('prints the token once, in the home page link of the first start, and points to the token file elsewhere', () => {
    const text = upBanner(facts(true));
    expect(occurrences(text, TOKEN)).toBe(1);
    expect(text.split('\n')).toEqual([
      '',
      'orderscope is up (embedded mode, model "demo", demo orders flowing)',
      '',
      `  home page    http://127.0.0.1:7401/?token=${TOKEN}   (open it in a browser; this link, with the token, is printed only this once)`,
      '  report       http://127.0.0.1:7401/v1/reports/latency?format=html   (the last 7 days)',
      '  stuck        http://127.0.0.1:7401/stuck   (the orders past their expected time, by state)',
      '  lost         http://127.0.0.1:7401/lost   (the orders declared lost, by state)',
      '  orders API   http://127.0.0.1:7401/v1/orders   (JSON)',
      '  metrics      http://127.0.0.1:7401/metrics',
      '  ingest       POST http://127.0.0.1:7400/v1/events',
      '',
      '  API token    in /home/ana/.orderscope/token   (created now, readable by you only)',
      '',
      'Try:',
      `  curl -s -H "Authorization: Bearer $(cat /home/ana/.orderscope/token)" 'http://127.0.0.1:7401/v1/orders?limit=5'`,
      '',
    ]);
  });

  it('never prints the token on a later start', () => {
    const text = upBanner(facts(false));
    expect(occurrences(text, TOKEN)).toBe(0);
    expect(text).toContain('  home page    http://127.0.0.1:7401/   (sign in with the API token)\n');
    expect(text).toContain('  API token    in /home/ana/.orderscope/token\n');
  });

  it('says where the alert rules and dashboards for the running model were written', () => {
    expect(upBanner({ ...facts(false), generatedDir: '.orderscope/generated' })).toContain(
      '\n  API token    in /home/ana/.orderscope/token\n  monitoring   .orderscope/generated   (alert rules and Alertmanager config in alerts/, Grafana dashboards in dashboards/)\n',
    );
    expect(upBanner(facts(false))).not.toContain('monitoring');
  });

  it('quotes a token file path that the shell would split', () => {
    expect(upBanner(facts(false, "/tmp/Ana's data/token"))).toContain(`$(cat '/tmp/Ana'\\''s data/token')`);
  });
});
