import { describeDeadLetter, originalQueueOf, redriveHeaders, workQueueOfDead } from './dead-letters';

/** x-death as RabbitMQ writes it for a message retried twice through mes.pricing.retry (newest first). */
const retriedTwice = [
  { queue: 'mes.pricing.retry', reason: 'expired', count: 2, exchange: '' },
  { queue: 'mes.pricing', reason: 'rejected', count: 2, exchange: 'orders' },
];

describe('what a dead letter says about itself', () => {
  it('names the work queue of a dead-letter queue, and nothing for another name', () => {
    expect(['mes.pricing.dead', 'crm.quotes.dead', 'mes.pricing', '.dead', 'mes.pricing.retry'].map(workQueueOfDead)).toEqual(['mes.pricing', 'crm.quotes', undefined, undefined, undefined]);
  });

  it('goes back to the work queue its x-death names, skipping the retry queue', () => {
    expect(originalQueueOf('mes.pricing.dead', { 'x-death': retriedTwice })).toBe('mes.pricing');
    expect(originalQueueOf('other.dead', { 'x-death': [{ queue: 'crm.quotes', reason: 'rejected' }] })).toBe('crm.quotes');
  });

  it('goes back to the queue its dead-letter queue is named after when it has no x-death (dead-lettered at once)', () => {
    expect(originalQueueOf('mes.production.dead', {})).toBe('mes.production');
    expect(originalQueueOf('mes.production.dead', undefined)).toBe('mes.production');
    expect(originalQueueOf('mes.production.dead', { 'x-death': 'not a list' })).toBe('mes.production');
  });

  it('reads the order id from the body, our reason and time from the headers', () => {
    const body = Buffer.from(JSON.stringify({ order_id: 'SO-20260202-00000000AA', quantity: 3 }));
    const headers = { 'x-death': retriedTwice, 'x-orderscope-dead-reason': 'failed 3 times (2 retries): the database is down', 'x-orderscope-dead-at': '2026-02-02T09:00:00.000Z' };
    expect(describeDeadLetter('mes.pricing.dead', body, { headers, messageId: 'pricing-request:SO-20260202-00000000AA' })).toEqual({
      order_id: 'SO-20260202-00000000AA',
      message_id: 'pricing-request:SO-20260202-00000000AA',
      queue: 'mes.pricing',
      reason: 'failed 3 times (2 retries): the database is down',
      dead_at: '2026-02-02T09:00:00.000Z',
      redrives: 0,
    });
  });

  it('describes a body that is not JSON, and a letter RabbitMQ dead-lettered by itself, without failing', () => {
    expect(describeDeadLetter('mes.pricing.dead', Buffer.from('{not json'), { headers: { 'x-death': [{ queue: 'mes.pricing', reason: 'maxlen' }], 'x-orderscope-redrives': 2 }, messageId: undefined })).toEqual({
      order_id: null,
      message_id: null,
      queue: 'mes.pricing',
      reason: 'RabbitMQ: maxlen',
      dead_at: null,
      redrives: 2,
    });
  });
});

describe('the headers a dead letter goes back with', () => {
  it('drops the death records and the reason, so the consumer retries it afresh, keeps the trace, and counts the redrive', () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-death': retriedTwice,
      'x-first-death-queue': 'mes.pricing',
      'x-first-death-reason': 'rejected',
      'x-first-death-exchange': 'orders',
      'x-last-death-queue': 'mes.pricing.retry',
      'x-last-death-reason': 'expired',
      'x-last-death-exchange': '',
      'x-orderscope-dead-reason': 'failed 3 times',
      'x-orderscope-dead-at': '2026-02-02T09:00:00.000Z',
    };
    expect(redriveHeaders(headers)).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-orderscope-redrives': 1 });
    expect(redriveHeaders({ 'x-orderscope-redrives': 1 })).toEqual({ 'x-orderscope-redrives': 2 });
    expect(redriveHeaders(undefined)).toEqual({ 'x-orderscope-redrives': 1 });
  });
});
