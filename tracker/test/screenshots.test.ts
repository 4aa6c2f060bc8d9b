import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { hashToken, loadConfig, listen, type RunningServer } from '../../common';
import { COLORS } from '../html';
import { localPath, setSessionCookie } from '../http';
import { buildLatencyReport, parsePeriod, renderHtml, type LatencyReport } from '../report';
import { loadWeek, NOW_MS, WEEK } from '../report/test/week';
import { ensureChromium, screenshot, SCREENSHOT_DIR } from './chromium';
import { model, startEmbedded, type EmbeddedTracker } from './fixtures';
import { decodePng, inkIn, type Box, type Image } from './png';

/**
 * The pages as a browser draws them: headless Chromium loads the report, the home page and an order
 * page from a running tracker, signed in with the session cookie a person's browser gets, and this
 * test reads the screenshots' pixels. The PNGs stay in .cache/screenshots for people to judge.
 */
const config = loadConfig({ env: {}, overrides: { tokens: [{ name: 'manager', sha256: hashToken('read-token'), scopes: ['read'] }] } });
const REPORT_PATH = `/v1/reports/latency?format=html&from=${WEEK.from}&to=${WEEK.to}`;

let t: EmbeddedTracker;
let server: RunningServer;
let report: LatencyReport;

beforeAll(async () => {
  await ensureChromium();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  t = await startEmbedded({ config, now: () => NOW_MS });
  await loadWeek(t);
  report = await buildLatencyReport(t.db, model, parsePeriod(WEEK, NOW_MS * 1000), { now: NOW_MS * 1000, exact: true });
  // A command-line browser cannot press the sign-in button of the `?token=` page (home-route.test.ts
  // covers that flow), so a route of the test's own sets the cookie the button would have set.
  const app = express();
  app.get('/test-sign-in', (req, res) => {
    setSessionCookie(req, res, 'read-token');
    res.redirect(303, localPath(req.query.next));
  });
  app.use(t.tracker.app);
  server = await listen(app, '127.0.0.1', 0);
}, 15 * 60_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

/** Opens `next` in Chromium, signed in. */
async function shoot(next: string, name: string, height: number): Promise<Image> {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const shot = await screenshot(`${server.url}/test-sign-in?next=${encodeURIComponent(next)}`, file, { width: 1200, height });
  expect(shot.consoleMessages).toEqual([]);
  return decodePng(readFileSync(file));
}

/** Pixels of a colour anywhere in the image. */
function count(image: Image, color: string): number {
  return inkIn(image, { x: 0, y: 0, width: image.width, height: image.height }, color).matching;
}

describe('the pages in headless Chromium', () => {
  it('draws the HTML report with its charts, signed in', async () => {
    const image = await shoot(REPORT_PATH, 'report', 4400);
    expect(image.width).toBe(1200);
    // Per-state bars (p90 light blue, over-SLA orange), the lead-time histogram and the daily trend (blue).
    expect(count(image, COLORS.p90)).toBeGreaterThan(500);
    expect(count(image, COLORS.p90Over)).toBeGreaterThan(500);
    expect(count(image, COLORS.completed)).toBeGreaterThan(500);
  }, 120_000);

  it('draws every chart of the report inside its box', async () => {
    // A page with the report's charts at known places: each SVG in its own absolutely placed box.
    const charts = renderHtml(report, { linkBase: '' }).match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(3);
    let top = 0;
    const boxes: Box[] = charts.map((svg) => {
      const height = Number(/height="([\d.]+)"/.exec(svg)![1]);
      const box = { x: 0, y: top, width: 1000, height: Math.ceil(height) };
      top += box.height + 20;
      return box;
    });
    const page = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff}div{position:absolute;left:0}</style></head><body>${charts
      .map((svg, i) => `<div style="top:${boxes[i]!.y}px">${svg}</div>`)
      .join('')}</body></html>`;
    const htmlFile = path.join(SCREENSHOT_DIR, 'report-charts.html');
    writeFileSync(htmlFile, page);
    const file = path.join(SCREENSHOT_DIR, 'report-charts.png');
    const shot = await screenshot(`file://${htmlFile}`, file, { width: 1000, height: top });
    expect(shot.consoleMessages).toEqual([]);
    const image = decodePng(readFileSync(file));
    const [states, leadTime, trend] = boxes as [Box, Box, Box];
    // Every box has drawing in it, not only a background, and the marks of its own chart.
    for (const box of boxes) expect(inkIn(image, box).ink / box.width / box.height).toBeGreaterThan(0.03);
    expect(inkIn(image, states, COLORS.p50).matching).toBeGreaterThan(300);
    expect(inkIn(image, states, COLORS.p90Over).matching).toBeGreaterThan(300);
    expect(inkIn(image, leadTime, COLORS.completed).matching).toBeGreaterThan(1000);
    expect(inkIn(image, leadTime, COLORS.other).matching).toBeGreaterThan(100);
    expect(inkIn(image, trend, COLORS.completed).matching).toBeGreaterThan(300);
    expect(inkIn(image, trend, COLORS.line).matching).toBeGreaterThan(100);
  }, 120_000);

  it('says so when the period is empty, instead of failing', async () => {
    const image = await shoot('/v1/reports/latency?format=html&from=2026-12-07&to=2026-12-13', 'report-empty', 700);
    expect(count(image, '#eff6ff')).toBeGreaterThan(10_000); // the notice box
    expect(count(image, COLORS.p90)).toBe(0);
  }, 120_000);

  it('draws the home page: orders in flight per state, stuck and lost orders', async () => {
    const image = await shoot('/', 'home', 1700);
    expect(count(image, COLORS.ok)).toBeGreaterThan(200);
    expect(count(image, COLORS.stuck)).toBeGreaterThan(200);
    expect(count(image, COLORS.lost)).toBeGreaterThan(200);
  }, 120_000);

  it('draws the page of the lost orders of a state, as an OrderLost alert links to it', async () => {
    const image = await shoot('/lost?state=quote_requested', 'lost-quote_requested', 900);
    // The table's striped rows (the second of e1 and late1).
    expect(count(image, '#f9fafb')).toBeGreaterThan(5000);
  }, 120_000);

  it('draws an order\'s timeline', async () => {
    const image = await shoot('/orders/c4', 'order-c4', 1900);
    expect(count(image, COLORS.p50)).toBeGreaterThan(300);
    expect(count(image, COLORS.p50Over)).toBeGreaterThan(300);
  }, 120_000);
});
