import type { ProcessModel } from '../../events';
import { card, dataTable, exactTime, formatCount, formatTime, html, kpis, renderPage, roughDuration, safeHref, slaChart, statusBadge, COLORS, type HtmlValue, type Kpi, type SafeHtml } from '../html';
import type { Micros } from '../timeline';
import { trackerChrome } from './home-page';
import type { orderTimelineView } from './order-view';

/** An order's timeline as the API gives it (GET /v1/orders/:id): the page shows exactly that. */
export type OrderTimeline = ReturnType<typeof orderTimelineView>;

const REASONS: Record<string, string> = {
  expect_within: 'past its SLA',
  lost_after: 'past its lost-after limit',
  handoff_missed: 'missed handoff',
  moved_on: 'moved on',
};

/**
 * One order's timeline for people (`GET /orders/:id`): where it is and for how long, each stay against
 * its SLA (a chart and a table), its status history (stuck, lost, recovered) and its events with links
 * to their traces. Built from the same view as the JSON API, which it links to.
 */
export function renderOrderPage(t: OrderTimeline, model: ProcessModel, now: Micros): string {
  const finished = model.isTerminal(t.state);
  const apiHref = `/v1/orders/${encodeURIComponent(t.order_id)}`;
  const traceSearch = t.traces_search_url ? html` · <a href="${safeHref(t.traces_search_url)}">search all traces of this order</a>` : '';
  return renderPage({
    title: `orderscope · order ${t.order_id}`,
    homeHref: '/',
    ...trackerChrome(now),
    body: html`<h1>Order <span class="id">${t.order_id}</span></h1>
      <p class="sub">${statusBadge(t.status)} ${finished ? `finished as ${t.state}` : `in ${t.state} (${t.system}) since ${exactTime(t.state_since)}`}${t.segment ? ` · ${t.segment.toUpperCase()}` : ''}${t.operator_id ? ` · operator ${t.operator_id}` : ''} · <a href="${apiHref}">JSON</a> · <a href="${apiHref}/traces">trace ids (JSON)</a>${traceSearch}</p>
      ${kpis(orderFigures(t, model, now, finished))}
      ${card('Time in each state', 'Each stay against its state’s SLA (the dashed line); the stay it is in now counts until now.', html`${staysChart(t, model, finished)}${staysTable(t, model, finished)}`, 'stays')}
      ${statusHistoryCard(t)}
      ${redrivesCard(t)}
      ${card('Events', 'What the systems reported, in event-time order, with links to the traces.', eventsTable(t), 'events')}`,
  });
}

/** The figures at the top: status, where it is (or how it ended), lead time or age, events. */
function orderFigures(t: OrderTimeline, model: ProcessModel, now: Micros, finished: boolean): Kpi[] {
  return [
    { label: 'Status', value: t.status, ...(t.status === 'lost' ? { tone: 'bad' } : t.status === 'stuck' ? { tone: 'warn' } : {}) },
    finished
      ? { label: 'Finished as', value: model.labelOf(t.state), note: formatTime(t.state_since) }
      : { label: `In ${model.labelOf(t.state)} for`, value: roughDuration(t.time_in_state_seconds), note: `owned by ${t.system}` },
    t.lead_time_seconds !== null
      ? { label: 'Lead time', value: roughDuration(t.lead_time_seconds), note: 'first event to the end' }
      : { label: 'Age', value: roughDuration(Math.max(0, (now / 1000 - Date.parse(t.first_event_at)) / 1000)), note: 'since its first event' },
    { label: 'Events', value: formatCount(t.event_count), note: t.violation_count ? `${formatCount(t.violation_count)} outside the process model` : 'all within the process model', ...(t.violation_count > 0 && { tone: 'warn' }) },
  ];
}

/** Each measured stay with an SLA as a bar against it; nothing when no stay has one. */
function staysChart(t: OrderTimeline, model: ProcessModel, finished: boolean): HtmlValue {
  // The final state has no time to measure: an order stays there for good.
  const measured = t.stays.filter((s) => !(s.left_at === null && finished));
  const charted = measured.filter((s): s is typeof s & { sla_seconds: number } => s.sla_seconds !== null);
  if (!charted.length) return '';
  return slaChart(
    `Time of order ${t.order_id} in each state against its SLA`,
    charted.map((s) => ({
      label: s.left_at === null ? `${model.labelOf(s.state)} (now)` : model.labelOf(s.state),
      wide: null,
      narrow: s.duration_seconds,
      slaSeconds: s.sla_seconds,
      caption: `${roughDuration(s.duration_seconds)}${s.left_at === null ? ' so far' : ''} · SLA ${roughDuration(s.sla_seconds)}`,
    })),
    [
      { label: 'time in the state', color: COLORS.p50 },
      { label: 'over the SLA', color: COLORS.p50Over },
      { label: 'SLA', color: COLORS.sla, line: true },
    ],
  );
}

function staysTable(t: OrderTimeline, model: ProcessModel, finished: boolean): SafeHtml {
  return dataTable(
    [{ title: 'State' }, { title: 'Owner' }, { title: 'Entered' }, { title: 'Left' }, { title: 'Time', kind: 'num' }, { title: 'SLA', kind: 'num' }, { title: 'Verdict' }],
    t.stays.map((s) => [
      model.labelOf(s.state),
      s.system,
      exactTime(s.entered_at),
      s.left_at === null ? (finished ? 'final state' : html`<span class="muted">still there</span>`) : exactTime(s.left_at),
      s.left_at === null && finished ? '—' : roughDuration(s.duration_seconds),
      roughDuration(s.sla_seconds),
      s.sla_met === true ? html`<span class="good">within SLA</span>` : s.sla_met === false ? html`<span class="bad">over SLA</span>` : '—',
    ]),
    'No stays.',
  );
}

/** What the stuck and lost detector decided about the order; nothing when it decided nothing. */
function statusHistoryCard(t: OrderTimeline): HtmlValue {
  if (!t.status_history.length) return '';
  return card(
    'Status history',
    'What the stuck and lost detector decided about this order.',
    dataTable(
      [{ title: 'When' }, { title: 'Change' }, { title: 'In' }, { title: 'Why' }, { title: 'Trace' }],
      t.status_history.map((c) => [
        exactTime(c.at),
        html`${statusBadge(c.from_status)} → ${statusBadge(c.to_status)}`,
        c.state,
        html`${REASONS[c.reason] ?? c.reason}${c.handoff ? html`<br><span class="muted">${c.handoff.from} → ${c.handoff.to} within ${roughDuration(c.handoff.within_seconds)}${c.handoff.via ? ` via ${c.handoff.via}` : ''}</span>` : ''}`,
        traceLink(c.trace_url, c.trace_id),
      ]),
      '',
    ),
    'history',
  );
}

/** Each attempt to get the order moving again; nothing when there was none. */
function redrivesCard(t: OrderTimeline): HtmlValue {
  if (!t.redrives.length) return '';
  return card(
    'Redrives',
    'Each attempt to get this order moving again: who asked, the action of the process model, and what the owning system answered.',
    dataTable(
      [{ title: 'When' }, { title: 'By' }, { title: 'In' }, { title: 'Action' }, { title: 'Result' }, { title: 'Answer' }],
      t.redrives.map((r) => [
        exactTime(r.requested_at),
        r.requested_by,
        r.state,
        html`${r.action}<br><span class="muted">${r.source}</span>`,
        r.result === 'done' ? html`<span class="good">done</span>` : r.result === 'failed' ? html`<span class="bad">failed</span>` : html`<span class="muted">pending</span>`,
        r.answer,
      ]),
      '',
    ),
    'redrives',
  );
}

function eventsTable(t: OrderTimeline): SafeHtml {
  return dataTable(
    [{ title: 'Occurred' }, { title: 'State' }, { title: 'Source' }, { title: 'Seq', kind: 'num' }, { title: 'Trace' }, { title: 'Conformance' }],
    t.events.map((e) => [
      exactTime(e.occurred_at),
      e.state,
      e.source,
      String(e.seq),
      traceLink(e.trace_url, e.trace_id),
      e.violation === null ? html`<span class="muted">ok</span>` : html`<span class="warn">${t.violations.find((v) => v.event_id === e.event_id)?.message ?? e.violation}</span>`,
    ]),
    'No events.',
  );
}

/** The whole trace id, selectable in one click for copying, and a link to the trace where a backend is configured. */
function traceLink(url: string | null, traceId: string | null): HtmlValue {
  if (!traceId) return html`<span class="muted">—</span>`;
  return html`<code class="trace">${traceId}</code>${url ? html` <a href="${safeHref(url)}">open</a>` : ''}`;
}
