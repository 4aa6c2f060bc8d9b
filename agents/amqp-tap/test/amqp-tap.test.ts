import type { ConsumeMessage } from 'amqplib';
import { Registry } from 'prom-client';
import { ConfigError, silentLogger } from '../../../common';
import { AmqpTap } from '..';
import { bindingOf, parseBinding, topicMatches } from '../bindings';
import { compileJsonPath } from '../json-path';
import { messageEvent, messageEventId, type MessageEventRules } from '../message-event';
import { asOrderId, parseFieldReader } from '../message-fields';
import { traceIdsOf } from '../traceparent';
import { defaultTapQueueName, tapQueuePlan } from '../tap-queue';

/** A delivered message as amqplib hands it to a consumer. */
function message(options: { exchange?: string; routingKey?: string; body?: unknown; headers?: Record<string, unknown>; messageId?: string; timestamp?: number } = {}): ConsumeMessage {
  return {
    content: Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {})),
    fields: { exchange: options.exchange ?? 'orders', routingKey: options.routingKey ?? 'quote.requested', deliveryTag: 1, redelivered: false, consumerTag: 'tap' },
    properties: { headers: options.headers ?? {}, messageId: options.messageId, timestamp: options.timestamp } as ConsumeMessage['properties'],
  };
}

describe('JSON paths', () => {
  const document = { order: { id: 'SO-1', 'the-id': 7, lines: [{ sku: 'A-1' }, { sku: 'B-2' }] }, list: ['x'] };

  it.each([
    ['$.order.id', 'SO-1'],
    ["$['order']['the-id']", 7],
    ['$.order["the-id"]', 7],
    ['$.order.lines[1].sku', 'B-2'],
    ['$.list[0]', 'x'],
    ['$', document],
    ['$.order.missing', undefined],
    ['$.order.lines[5].sku', undefined],
    ['$.order.id.deeper', undefined],
    ['$.list.length', undefined],
    ['$.order.constructor', undefined],
  ])('read %s', (path, expected) => {
    expect(compileJsonPath(path)(document)).toEqual(expected);
  });

  it.each([
    ['order.id', 'at character 1: a path starts with $'],
    ['$.order..id', 'at character 8: expected .name, [index] or'],
    ['$.lines[*]', 'at character 8'],
    ['$[-1]', 'at character 2'],
  ])('refuse %s, saying where', (path, where) => {
    expect(() => compileJsonPath(path)).toThrow(ConfigError);
    expect(() => compileJsonPath(path)).toThrow(where);
  });
});

describe('reading fields of a message', () => {
  it('reads a header or a JSON path into the body', () => {
    const m = message({ headers: { 'x-order-id': 'SO-9', 'x-raw': Buffer.from('SO-10') }, body: { order: { id: 42 } } });
    const body = () => JSON.parse(m.content.toString()) as unknown;
    expect(parseFieldReader('header:x-order-id', '--order-id')(m, body)).toBe('SO-9');
    expect(parseFieldReader('header:x-raw', '--order-id')(m, body)).toBe('SO-10');
    expect(parseFieldReader('json:$.order.id', '--order-id')(m, body)).toBe(42);
    expect(() => parseFieldReader('body:$.id', '--order-id')).toThrow('--order-id: "body:$.id" is neither header:<name> nor json:<path>');
  });

  it('takes strings and whole numbers as order ids, nothing else', () => {
    expect(asOrderId('SO-1')).toBe('SO-1');
    expect(asOrderId(1234)).toBe('1234');
    expect([asOrderId(''), asOrderId(1.5), asOrderId({ id: 1 }), asOrderId(null), asOrderId(undefined)]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('traceparent headers', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('give the trace of a valid, sampled header', () => {
    expect(traceIdsOf(`00-${traceId}-${spanId}-01`)).toEqual({ trace_id: traceId, span_id: spanId });
    expect(traceIdsOf(Buffer.from(`00-${traceId}-${spanId}-03`))).toEqual({ trace_id: traceId, span_id: spanId });
    expect(traceIdsOf(`01-${traceId}-${spanId}-01-future`)).toEqual({ trace_id: traceId, span_id: spanId });
  });

  it.each([
    ['unsampled', `00-${traceId}-${spanId}-00`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${spanId}-01`],
    ['version ff', `ff-${traceId}-${spanId}-01`],
    ['upper case', `00-${traceId.toUpperCase()}-${spanId}-01`],
    ['extra fields in version 00', `00-${traceId}-${spanId}-01-x`],
    ['not a string', 42],
  ])('give nothing for %s', (_what, header) => {
    expect(traceIdsOf(header)).toBeUndefined();
  });
});

describe('bindings', () => {
  it('parse exchange:routingKey=state, with --state for those without one', () => {
    expect(parseBinding('orders:quote.requested=quote_requested', undefined)).toEqual({ exchange: 'orders', routingKey: 'quote.requested', state: 'quote_requested' });
    expect(parseBinding('orders:order.#', 'placed')).toEqual({ exchange: 'orders', routingKey: 'order.#', state: 'placed' });
    expect(parseBinding('fanout-x:', 'placed')).toEqual({ exchange: 'fanout-x', routingKey: '', state: 'placed' });
    expect(() => parseBinding('orders:order.#', undefined)).toThrow('has no state: add =<state> to it, or give --state');
    expect(() => parseBinding(':key=placed', undefined)).toThrow('the default exchange cannot be bound');
    // A label is a state too (the tracker maps it by the model): only what the contract refuses is refused.
    expect(parseBinding('orders:key=Order placed', undefined)).toEqual({ exchange: 'orders', routingKey: 'key', state: 'Order placed' });
    expect(() => parseBinding(`orders:key=${'p'.repeat(201)}`, undefined)).toThrow('cannot be a state: must be at most 200 characters');
  });

  it.each([
    ['quote.requested', 'quote.requested', true],
    ['quote.*', 'quote.requested', true],
    ['quote.*', 'quote.requested.b2b', false],
    ['quote.#', 'quote', true],
    ['#.b2b', 'quote.requested.b2b', true],
    ['#', 'anything.at.all', true],
    ['*.requested', 'requested', false],
  ])('match topic pattern %s against %s: %s', (pattern, key, matches) => {
    expect(topicMatches(pattern, key)).toBe(matches);
  });

  it('find the binding a message came through: the first of its exchange whose key matches', () => {
    const bindings = [parseBinding('orders:quote.*=quote_requested', undefined), parseBinding('orders:order.#=placed', undefined), parseBinding('pricing:#=pricing', undefined)];
    expect(bindingOf(bindings, 'orders', 'order.created')?.state).toBe('placed');
    expect(bindingOf(bindings, 'orders', 'quote.requested')?.state).toBe('quote_requested');
    expect(bindingOf(bindings, 'pricing', 'x')?.state).toBe('pricing');
  });
});

describe('the event of a tapped message', () => {
  const now = new Date('2026-11-26T10:15:00.000Z');
  const rules: MessageEventRules = {
    source: 'shop',
    bindings: [parseBinding('orders:quote.requested=quote_requested', undefined)],
    orderId: parseFieldReader('json:$.order.id', '--order-id'),
    attributes: new Map([['segment', parseFieldReader('json:$.customer.segment', '--attribute segment')]]),
  };

  it('carries the order id, the state of its binding, exchange and routing key, the trace and the message time', () => {
    const m = message({
      body: { order: { id: 'SO-7' }, customer: { segment: 'b2b' } },
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      timestamp: Date.parse('2026-11-26T10:14:59Z') / 1000,
      messageId: 'm-1',
    });
    expect(messageEvent(m, rules, now)).toEqual({
      ok: true,
      event: {
        schema_version: 1,
        event_id: messageEventId(m),
        order_id: 'SO-7',
        source: 'shop',
        state: 'quote_requested',
        occurred_at: '2026-11-26T10:14:59.000Z',
        seq: 0,
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: '00f067aa0ba902b7',
        attributes: { exchange: 'orders', routing_key: 'quote.requested', segment: 'b2b' },
      },
    });
  });

  it('is the same event for every copy of a message, and different for different messages', () => {
    const a = message({ body: { order: { id: 'SO-7' } } });
    expect(messageEventId(a)).toBe(messageEventId(message({ body: { order: { id: 'SO-7' } } })));
    expect(messageEventId(a)).not.toBe(messageEventId(message({ body: { order: { id: 'SO-8' } } })));
    expect(messageEventId(message({ messageId: 'm-1', body: 'a' }))).toBe(messageEventId(message({ messageId: 'm-1', body: 'b' })));
    expect(messageEventId(a)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is seen now when the message timestamp is missing or in the future', () => {
    const future = message({ body: { order: { id: 'SO-7' } }, timestamp: Date.parse('2026-11-26T11:00:00Z') / 1000 });
    const verdict = messageEvent(future, rules, now);
    expect(verdict.ok && verdict.event.occurred_at).toBe('2026-11-26T10:15:00.000Z');
  });

  it('is no event when the message has no usable order id, or the event would be invalid', () => {
    expect(messageEvent(message({ body: 'not json' }), rules, now)).toMatchObject({ ok: false, reason: 'no_order_id' });
    expect(messageEvent(message({ body: { order: { id: 'SO 7' } } }), rules, now)).toMatchObject({
      ok: false,
      reason: 'invalid_event',
      error: 'order_id: may contain only letters, digits, ".", "_", "-" and ":"',
    });
  });
});

describe('the tap queue', () => {
  const bindings = (...specs: string[]) => specs.map((s) => parseBinding(s, 'placed'));

  it('is named after the source and what is bound, the same for every replica of one tap', () => {
    const name = defaultTapQueueName('shop', bindings('orders:quote.requested=quote_requested', 'orders:order.#'));
    expect(name).toMatch(/^orderscope\.tap\.shop\.[0-9a-f]{8}$/);
    // The order of --bind, a repeated binding and the states given do not make another tap.
    expect(defaultTapQueueName('shop', bindings('orders:order.#=pricing', 'orders:quote.requested', 'orders:order.#'))).toBe(name);
  });

  it('is another queue for another source or other bindings', () => {
    const name = defaultTapQueueName('shop', bindings('orders:order.#'));
    expect(defaultTapQueueName('crm', bindings('orders:order.#'))).not.toBe(name);
    expect(defaultTapQueueName('shop', bindings('orders:order.*'))).not.toBe(name);
    expect(defaultTapQueueName('shop', bindings('orders:order.#', 'billing:order.#'))).not.toBe(name);
    // The separator cannot be forged by an exchange or a key that contains the other's characters.
    expect(defaultTapQueueName('shop', bindings('a:b.c'))).not.toBe(defaultTapQueueName('shop', bindings('a:b', 'a:c')));
  });

  it('is bounded, drops its oldest messages beyond the bound and dead-letters them to its overflow queue, ten times as long; both go after a week unused', () => {
    expect(tapQueuePlan('orderscope.tap.shop.1a2b3c4d', 1000)).toEqual({
      queue: 'orderscope.tap.shop.1a2b3c4d',
      queueArguments: {
        'x-max-length': 1000,
        'x-overflow': 'drop-head',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'orderscope.tap.shop.1a2b3c4d.overflow',
        'x-expires': 604_800_000,
      },
      overflowQueue: 'orderscope.tap.shop.1a2b3c4d.overflow',
      overflowArguments: { 'x-max-length': 10_000, 'x-overflow': 'drop-head', 'x-expires': 604_800_000 },
    });
  });
});

describe('--attribute', () => {
  // The attributes are validated before the spool is made: nothing is created to be refused.
  const tap = (attributes: string[]) =>
    new AmqpTap({
      amqpUrl: 'amqp://127.0.0.1:1', bindings: ['orders:quote.requested=quote_requested'], orderId: 'json:$.id', source: 'shop', attributes,
      collectorUrl: 'http://127.0.0.1:1', token: 'unused', logger: silentLogger(), registry: new Registry(),
    });

  it.each([['segment'], ['=json:$.a'], ['exchange=header:x-exchange'], ['routing_key=json:$.key'], ['two words=json:$.a']])('refuses %j, saying what a spec looks like', (spec) => {
    expect(() => tap([spec])).toThrow(ConfigError);
    expect(() => tap([spec])).toThrow(`--attribute: "${spec}" is not name=header:<name> or name=json:<path> with a valid attribute name other than exchange and routing_key`);
  });

  it('refuses a source that is neither a header nor a JSON path, naming the attribute', () => {
    expect(() => tap(['segment=body:$.a'])).toThrow('--attribute segment: "body:$.a" is neither header:<name> nor json:<path>');
  });
});
