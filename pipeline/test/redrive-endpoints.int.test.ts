import type { ConfirmChannel } from 'amqplib';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common';
import { waitFor } from '../../agents/shared/test/support/scripted-transport';
import { Assigner } from '../crm/assigner';
import { mountCrmRoutes } from '../crm/http';
import { CrmMetrics } from '../crm/metrics';
import { CRM_SCHEMA, receiveQuote, syncOperators } from '../crm/orders-store';
import { mountProductionRoutes } from '../mes/api/http';
import { findProduction, receiveProductionOrder } from '../mes/store/production-orders';
import { MES_SCHEMA } from '../mes/store/schema';
import { QueueConsumer } from '../shared/amqp/consumer';
import { Publisher } from '../shared/amqp/publisher';
import { assertConsumerQueues, deadQueueOf, QUEUES } from '../shared/amqp/topology';
import { withTransaction } from '../shared/db';
import { productionOrderSchema, type NewOrder, type ProductionOrder, type Quote } from '../shared/messages';
import { enqueueMessage, OutboxRelay } from '../shared/outbox';
import { mountShopRoutes } from '../shop/http';
import { insertOrder, SHOP_SCHEMA } from '../shop/orders-store';
import { post, startServiceFixture, type ServiceFixture } from './service-fixture';

/*
 * The redrive endpoints of the shop, the CRM and the MES API on the real PostgreSQL and RabbitMQ
 * (a database and a virtual host per service): the first call sets a stuck order moving, a second
 * one does nothing more, and only a real state change is tracked.
 */

const newOrder: NewOrder = {
  customer_id: 'C-7',
  segment: 'b2b',
  part: { part_number: 'BRKT-01', material: 'aluminium', dimensions_mm: { x: 40, y: 20, z: 5 }, tolerance_mm: 0.1, finish: 'none' },
  quantity: 12,
};
const quote = (orderId: string): Quote => ({ order_id: orderId, ...newOrder, part_key: 'a'.repeat(64), unit_price_cents: 250, total_cents: 3000 });
const production = (orderId: string): ProductionOrder => ({ ...quote(orderId), operator_id: 'ana' });
/** A 404 in the services' error format. */
const notFound = (message: string) => ({ status: 404, body: { error: { code: 'not_found', message } } });

describe('POST /orders/:id/requote on the shop', () => {
  let f: ServiceFixture;
  let url: string;
  let channel: ConfirmChannel;
  beforeAll(async () => {
    f = await startServiceFixture('shop', SHOP_SCHEMA);
    const publisher = await f.amqp.openPublisher([QUEUES.pricing], f.metrics);
    // No sweep: only what a request publishes reaches the queue.
    const relay = new OutboxRelay({ pool: f.pool, publisher, queues: [QUEUES.pricing], sweepAfterMs: 3_600_000, logger: silentLogger() });
    url = await f.serve((app) => mountShopRoutes(app, { pool: f.pool, relay, recordStateChange: f.recordStateChange }));
    channel = await f.amqp.model.createConfirmChannel();
  });
  afterAll(() => f.close());

  const placedOnly = (orderId: string) => withTransaction(f.pool, (tx) => insertOrder(tx, orderId, newOrder, undefined));
  const takePricingRequests = async () => {
    const taken: { messageId: unknown; body: unknown }[] = [];
    for (let m = await channel.get(QUEUES.pricing.name, { noAck: true }); m; m = await channel.get(QUEUES.pricing.name, { noAck: true })) {
      taken.push({ messageId: m.properties.messageId, body: JSON.parse(m.content.toString()) });
    }
    return taken;
  };

  it('requests the cost analysis of an order stuck in placed (tracked once), and the second call only sends the same request again', async () => {
    await placedOnly('SO-RQ-1');
    const request = { messageId: 'pricing-request:SO-RQ-1', body: { order_id: 'SO-RQ-1', ...newOrder } };

    expect(await post(`${url}/orders/SO-RQ-1/requote`)).toEqual({
      status: 202,
      body: { order_id: 'SO-RQ-1', redriven: true, state: 'quote_requested', reason: 'the order had not requested its cost analysis: requested now' },
    });
    expect(f.tracked).toEqual([['SO-RQ-1', 'quote_requested']]);
    expect(await takePricingRequests()).toEqual([request]);

    expect(await post(`${url}/orders/SO-RQ-1/requote`)).toEqual({
      status: 202,
      body: {
        order_id: 'SO-RQ-1',
        redriven: true,
        state: 'quote_requested',
        reason:
          'sent its cost-analysis request to mes.pricing again; the MES prices an order once, so for an order it priced already this only sends the stored quote to the CRM again (which takes it once)',
      },
    });
    expect(f.tracked).toEqual([['SO-RQ-1', 'quote_requested']]);
    expect(await takePricingRequests()).toEqual([request]);
    expect((await f.pool.query('SELECT state FROM orders WHERE order_id = $1', ['SO-RQ-1'])).rows).toEqual([{ state: 'quote_requested' }]);
  });

  it('does nothing new for a request still in the outbox, except publishing it now', async () => {
    await placedOnly('SO-RQ-2');
    await f.pool.query(`UPDATE orders SET state = 'quote_requested' WHERE order_id = 'SO-RQ-2'`);
    await withTransaction(f.pool, (tx) => enqueueMessage(tx, { messageId: 'pricing-request:SO-RQ-2', queue: QUEUES.pricing, body: { order_id: 'SO-RQ-2', ...newOrder } }));
    const tracked = f.tracked.length;

    const answer = await post(`${url}/orders/SO-RQ-2/requote`);
    expect(answer).toEqual({
      status: 200,
      body: {
        order_id: 'SO-RQ-2',
        redriven: false,
        state: 'quote_requested',
        reason: 'its cost-analysis request is still in the outbox, not yet confirmed by RabbitMQ: the outbox publishes it (tried again now)',
      },
    });
    expect(await takePricingRequests()).toEqual([{ messageId: 'pricing-request:SO-RQ-2', body: { order_id: 'SO-RQ-2', ...newOrder } }]);
    expect((await f.pool.query('SELECT count(*)::int AS n FROM outbox')).rows).toEqual([{ n: 0 }]);
    expect(f.tracked.length).toBe(tracked);
  });

  it('answers 404 in the services\' error format for an order it does not hold', async () => {
    expect(await post(`${url}/orders/SO-NOPE/requote`)).toEqual(notFound('no order "SO-NOPE" in the shop'));
  });
});

describe('POST /orders/:id/reassign on the CRM', () => {
  let f: ServiceFixture;
  let url: string;
  beforeAll(async () => {
    f = await startServiceFixture('crm', CRM_SCHEMA);
    // One operator with room for one open order; the assigner's timer is not started: only redrives assign.
    await withTransaction(f.pool, (tx) => syncOperators(tx, [{ id: 'ana', weight: 1, capacity: 1 }]));
    const logger = silentLogger();
    const metrics = new CrmMetrics(new Registry(), ['ana'], async () => 0);
    const assigner = new Assigner({ pool: f.pool, recordStateChange: f.recordStateChange, b2bFirst: true, fairnessWindowMs: 3_600_000, metrics, logger });
    const publisher = await f.amqp.openPublisher([QUEUES.production], f.metrics);
    const relay = new OutboxRelay({ pool: f.pool, publisher, queues: [QUEUES.production], sweepAfterMs: 3_600_000, logger });
    url = await f.serve((app) => mountCrmRoutes(app, { pool: f.pool, relay, assigner, recordStateChange: f.recordStateChange, fairnessWindowMs: 3_600_000 }));
    await receiveQuote(f.pool, quote('SO-RA-1'), {});
    await receiveQuote(f.pool, quote('SO-RA-2'), {});
  });
  afterAll(() => f.close());

  it('assigns an order stuck in pending (tracked once); the second call leaves it assigned', async () => {
    expect(await post(`${url}/orders/SO-RA-1/reassign`)).toEqual({ status: 202, body: { order_id: 'SO-RA-1', redriven: true, state: 'assigned', reason: 'assigned to operator ana' } });
    expect(f.tracked).toEqual([['SO-RA-1', 'assigned']]);
    expect(await post(`${url}/orders/SO-RA-1/reassign`)).toEqual({
      status: 200,
      body: { order_id: 'SO-RA-1', redriven: false, state: 'assigned', reason: 'already assigned (operator ana): nothing to assign' },
    });
    expect(f.tracked).toEqual([['SO-RA-1', 'assigned']]);
  });

  it('says so when no operator has room: the order stays pending, nothing is tracked', async () => {
    expect(await post(`${url}/orders/SO-RA-2/reassign`)).toEqual({
      status: 200,
      body: {
        order_id: 'SO-RA-2',
        redriven: false,
        state: 'pending',
        reason: 'an assignment pass ran and no active operator has free capacity for it (or another CRM replica is assigning): it waits for one, B2B first, oldest first',
      },
    });
    expect(f.tracked).toEqual([['SO-RA-1', 'assigned']]);
  });

  it('answers 404 for an order whose quote never arrived, saying where to look', async () => {
    expect(await post(`${url}/orders/SO-NOPE/reassign`)).toEqual(
      notFound('no order "SO-NOPE" in the CRM: its quote never arrived (see `orderscope pipeline dlq list --queue crm.quotes.dead`, or requote it at the shop)'),
    );
  });
});

describe('POST /production/:id/requeue on the MES API', () => {
  let f: ServiceFixture;
  let url: string;
  let failIntake = true;
  let intake: QueueConsumer<ProductionOrder>;
  beforeAll(async () => {
    f = await startServiceFixture('mes', MES_SCHEMA);
    url = await f.serve((app) => mountProductionRoutes(app, { pool: f.pool, readPool: f.pool, recordStateChange: f.recordStateChange, amqpUrl: f.amqpUrl }));
    // The MES worker's intake, which gives up on a production order at once while failIntake holds (a bug).
    intake = await QueueConsumer.start(f.amqp.model, {
      queue: QUEUES.production,
      schema: productionOrderSchema,
      prefetch: 5,
      maxRetries: 0,
      retryDelayMs: 100,
      metrics: f.metrics,
      logger: silentLogger(),
      onFatal: () => undefined,
      handler: async (order) => {
        if (failIntake) throw new TypeError('intake bug');
        await receiveProductionOrder(f.pool, order);
      },
    });
  });
  afterAll(async () => {
    await intake.close();
    await f.close();
  });

  it('moves a production order the intake gave up on back from mes.production.dead; the second call finds it taken in', async () => {
    const channel = await f.amqp.model.createConfirmChannel();
    await assertConsumerQueues(channel, QUEUES.production, 100);
    await new Publisher(channel, f.metrics).publish(QUEUES.production, production('SO-RQ-9'), 'production-order:SO-RQ-9');
    await waitFor('the dead letter', async () => (await channel.checkQueue(deadQueueOf(QUEUES.production))).messageCount === 1, 15_000);
    failIntake = false;

    expect(await post(`${url}/production/SO-RQ-9/requeue`)).toEqual({
      status: 202,
      body: {
        order_id: 'SO-RQ-9',
        redriven: true,
        state: null,
        reason: 'moved its production order from mes.production.dead back to mes.production (it had died there: not retriable: intake bug); the MES worker takes it in',
      },
    });
    await waitFor('the intake', async () => (await findProduction(f.pool, 'SO-RQ-9')) !== undefined, 15_000);
    expect((await channel.checkQueue(deadQueueOf(QUEUES.production))).messageCount).toBe(0);

    const second = await post(`${url}/production/SO-RQ-9/requeue`);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ order_id: 'SO-RQ-9', redriven: false, state: 'queued', reason: expect.stringMatching(/^the MES took it in \(queued for the shop floor since \d{4}-\d\d-\d\dT[\d:.]+Z\): POST \/production\/SO-RQ-9\/start starts it$/) });

    expect((await post(`${url}/production/SO-RQ-9/start`)).status).toBe(200);
    expect(await post(`${url}/production/SO-RQ-9/requeue`)).toEqual({ status: 200, body: { order_id: 'SO-RQ-9', redriven: false, state: 'in_production', reason: 'already in_production: nothing to requeue' } });
    // Only the shop floor's start was tracked.
    expect(f.tracked).toEqual([['SO-RQ-9', 'in_production']]);
    await channel.close();
  });

  it('answers 404 when neither the MES nor its dead-letter queue holds the order', async () => {
    expect(await post(`${url}/production/SO-NOPE/requeue`)).toEqual(
      notFound('no production order "SO-NOPE" in the MES, nor in mes.production.dead: has the CRM confirmed it? (a confirmed order\'s production order leaves the CRM\'s outbox within seconds)'),
    );
  });

  it('answers 503 naming the setting when RabbitMQ cannot be reached', async () => {
    const down = await f.serve((app) => mountProductionRoutes(app, { pool: f.pool, readPool: f.pool, recordStateChange: f.recordStateChange, amqpUrl: 'amqp://guest:guest@127.0.0.1:1' }));
    const res = await fetch(`${down}/production/SO-NOPE/requeue`, { method: 'POST' });
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '5']);
    expect(await res.json()).toEqual({
      error: { code: 'unavailable', message: 'cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1 (--amqp-url, ORDERSCOPE_AMQP_URL): connect ECONNREFUSED 127.0.0.1:1' },
    });
  });
});
