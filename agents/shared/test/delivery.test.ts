import { IngestRejectedError, RetryLaterError } from '../collector-client';
import { UnavailableError, ValidationError } from '../../../common';
import { isDeliveryRetriable, postBatch, retryDelayHint } from '../sender/delivery';
import { testEvent } from './support/events';
import { ScriptedTransport } from './support/scripted-transport';

describe('posting a batch', () => {
  it('splits a batch the collector finds too large (413) until the parts fit, and reports rejections at their original index', async () => {
    const transport = new ScriptedTransport();
    const batch = Array.from({ length: 5 }, () => testEvent());
    const bad = batch[3]!.event_id;
    transport.answer = (events) => {
      if (events.length > 2) throw new IngestRejectedError(413, 'too_large', 'at most 2 events per request');
      const index = events.findIndex((e) => e.event_id === bad);
      return { accepted: events.length - (index >= 0 ? 1 : 0), rejected: index >= 0 ? [{ index, event_id: bad, error: 'state: unknown' }] : [] };
    };
    const result = await postBatch(transport, batch);
    expect(result).toEqual({ accepted: 4, rejected: [{ index: 3, event_id: bad, error: 'state: unknown' }] });
    expect(transport.posts.map((p) => p.length)).toEqual([5, 3, 2, 1, 2]);
  });

  it('rejects a single event that is still too large', async () => {
    const transport = new ScriptedTransport();
    const event = testEvent();
    transport.answer = () => {
      throw new IngestRejectedError(413, 'too_large', 'the body is over 1048576 bytes');
    };
    expect(await postBatch(transport, [event])).toEqual({
      accepted: 0,
      rejected: [{ index: 0, event_id: event.event_id, error: 'the collector answered 413: the body is over 1048576 bytes' }],
    });
  });

  it('rejects every event of a batch the collector cannot read (400, 415), with its message', async () => {
    const transport = new ScriptedTransport();
    transport.answer = () => {
      throw new IngestRejectedError(415, 'unsupported_media_type', 'send application/json or application/x-ndjson');
    };
    const result = await postBatch(transport, [testEvent(), testEvent()]);
    expect(result.accepted).toBe(0);
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1]);
  });

  it('throws what is worth retrying, with the events kept: network errors, 429, 5xx, 401 and 403', async () => {
    for (const failure of [
      new UnavailableError('cannot reach the collector'),
      new RetryLaterError('the collector answered 429: slow down', 2000),
      new RetryLaterError('the collector answered 503: bus unavailable', undefined),
      new IngestRejectedError(401, 'unauthorized', 'no valid bearer token'),
      new IngestRejectedError(403, 'forbidden_source', 'may not emit for source "shop"'),
    ]) {
      const transport = new ScriptedTransport();
      transport.answer = () => {
        throw failure;
      };
      await expect(postBatch(transport, [testEvent()])).rejects.toBe(failure);
      expect(isDeliveryRetriable(failure)).toBe(true);
    }
  });
});

describe('retry classification', () => {
  it('does not retry programmer errors or invalid input', () => {
    expect(isDeliveryRetriable(new TypeError('x is not a function'))).toBe(false);
    expect(isDeliveryRetriable(new ValidationError('order_id: must not be empty'))).toBe(false);
    expect(isDeliveryRetriable(new IngestRejectedError(400, 'bad_request', 'not JSON'))).toBe(false);
  });

  it("waits as long as the collector's Retry-After says, and the longest backoff after a refused token", () => {
    expect(retryDelayHint(new RetryLaterError('429', 3000), 30_000)).toBe(3000);
    expect(retryDelayHint(new RetryLaterError('503', undefined), 30_000)).toBeUndefined();
    expect(retryDelayHint(new IngestRejectedError(403, 'forbidden_source', 'no'), 30_000)).toBe(30_000);
    expect(retryDelayHint(new UnavailableError('ECONNREFUSED'), 30_000)).toBeUndefined();
  });
});
