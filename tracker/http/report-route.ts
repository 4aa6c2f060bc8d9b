import express, { type Request, type Response, type Router } from 'express';
import type { ProcessModel } from '../../events';
import { buildLatencyReport, defaultPeriod, newestStateSince, parseReportQuery, renderCsv, renderHtml, renderJson, reportFileName } from '../report';
import type { Db } from '../store';
import { trackerChrome } from './home-page';
import { sendPage, setPrivateHeaders } from './send-page';

export interface ReportRouteOptions {
  /** Where reports read: the read replica (postgres.readUrl) when there is one, else the store. */
  readonly db: Db;
  readonly model: ProcessModel;
  /** The clock, in microseconds. */
  readonly nowMicros: () => number;
}

/**
 * `GET /v1/reports/latency?from=&to=&group_by=state|segment|operator|day&format=json|csv|html&exact=true`, the
 * order-latency report of a period (default: the last 7 days): JSON (the whole report, or one view with
 * group_by), CSV (one view, state by default, as a download) or a self-contained HTML page. Mounted on
 * /v1, behind its token check.
 */
export function reportRoutes(options: ReportRouteOptions): Router {
  const router = express.Router();
  router.get('/reports/latency', async (req: Request, res: Response) => {
    const now = options.nowMicros();
    const request = parseReportQuery(req.query as Record<string, unknown>, now);
    // Without from and to: the last week, or the last week of the data when it is older (a backfill).
    const period = request.periodGiven ? request.period : defaultPeriod(now, await newestStateSince(options.db));
    const report = await buildLatencyReport(options.db, options.model, period, { now, staysCounted: request.staysCounted, exact: request.exact });
    switch (request.format) {
      case 'json':
        setPrivateHeaders(res);
        res.type('application/json').send(renderJson(report, request.groupBy));
        return;
      case 'csv':
        setPrivateHeaders(res);
        res.setHeader('Content-Disposition', `attachment; filename="${reportFileName(report, 'csv', request.groupBy)}"`);
        res.type('text/csv; charset=utf-8; header=present').send(renderCsv(report, request.groupBy ?? 'state'));
        return;
      case 'html':
        sendPage(res, 200, renderHtml(report, { linkBase: '', ...trackerChrome(now) }));
        return;
    }
  });
  return router;
}
