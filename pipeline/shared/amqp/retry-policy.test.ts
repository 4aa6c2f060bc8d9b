import { decideOnFailure, previousAttempts } from './retry-policy';

describe('what a consumer does with a failed message', () => {
  it('retries a retriable failure while retries remain, numbering the attempt', () => {
    expect(decideOnFailure({ previousAttempts: 0, maxRetries: 3, retriable: true, error: 'connection reset' })).toEqual({ action: 'retry', attempt: 1 });
    expect(decideOnFailure({ previousAttempts: 2, maxRetries: 3, retriable: true, error: 'connection reset' })).toEqual({ action: 'retry', attempt: 3 });
  });

  it('dead-letters once the retries are used up, saying how often it failed', () => {
    expect(decideOnFailure({ previousAttempts: 3, maxRetries: 3, retriable: true, error: 'connection reset' })).toEqual({
      action: 'dead-letter',
      reason: 'failed 4 times (3 retries): connection reset',
    });
    expect(decideOnFailure({ previousAttempts: 0, maxRetries: 0, retriable: true, error: 'timeout' })).toEqual({ action: 'dead-letter', reason: 'failed 1 times (0 retries): timeout' });
  });

  it('dead-letters a failure that no retry can fix at once', () => {
    expect(decideOnFailure({ previousAttempts: 0, maxRetries: 5, retriable: false, error: 'order_id: Required' })).toEqual({
      action: 'dead-letter',
      reason: 'not retriable: order_id: Required',
    });
  });
});

describe('how often a message already failed on a queue', () => {
  it('is 0 for a message RabbitMQ never dead-lettered', () => {
    expect(previousAttempts(undefined, 'mes.pricing')).toBe(0);
    expect(previousAttempts({}, 'mes.pricing')).toBe(0);
    expect(previousAttempts({ 'x-death': 'garbage' }, 'mes.pricing')).toBe(0);
  });

  it('counts the rejections from this queue in x-death, not the expiries of the retry queue or other queues', () => {
    const headers = {
      'x-death': [
        { queue: 'mes.pricing.retry', reason: 'expired', count: 2, exchange: '' },
        { queue: 'mes.pricing', reason: 'rejected', count: 2, exchange: 'orders' },
        { queue: 'crm.quotes', reason: 'rejected', count: 5 },
      ],
    };
    expect(previousAttempts(headers, 'mes.pricing')).toBe(2);
    expect(previousAttempts(headers, 'crm.quotes')).toBe(5);
    expect(previousAttempts(headers, 'mes.production')).toBe(0);
  });
});
