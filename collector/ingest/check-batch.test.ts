import { heartbeatEvent } from '../../events';
import { checkBatch } from './check-batch';

const NOW = Date.UTC(2035, 1, 2, 3, 4, 5);

describe('checking a posted batch', () => {
  it('refuses a heartbeat posted from outside, even for a token allowed every source, and keeps the events beside it', () => {
    const beat = heartbeatEvent('orderscope.heartbeat:0', NOW);
    const order = { ...heartbeatEvent('A-1', NOW), source: 'shop', state: 'placed' };
    const verdict = checkBatch([beat, order], () => true, new Date(NOW));
    expect(verdict.valid).toEqual([order]);
    expect(verdict.rejected).toEqual([
      {
        index: 0,
        event_id: beat.event_id,
        error: 'order_id: "orderscope.heartbeat:…" with source "orderscope" and state "heartbeat" is reserved for the collector\'s own heartbeats; use another order id or source',
        reason: 'invalid_order_id',
      },
    ]);
    expect(verdict.forbidden).toEqual([]);
  });
});
