import { UnavailableError, ValidationError } from '../../common';
import type { CrmOrder } from '../crm/orders-store';
import type { ProductionState, ProductionStep, ProductionView } from '../mes/store/production-orders';
import type { NewOrder } from '../shared/messages';
import type { ShopOrder } from '../shop/orders-store';

export interface PipelineUrls {
  readonly shop: string;
  readonly crm: string;
  readonly mesApi: string;
}

/** A 409 of the pipeline's APIs: the order is not where the call expected it (another driver got there first). */
export class OrderMovedOn extends ValidationError {}

/**
 * A typed HTTP client of the pipeline's three APIs (shop, CRM, MES API): what a customer, an operator
 * and the shop floor do. Importing it loads nothing the agent instruments (it uses fetch), so tests
 * and the driver can use it in any process.
 */
export class PipelineClient {
  constructor(
    private readonly urls: PipelineUrls,
    private readonly timeoutMs = 10_000,
  ) {}

  /** A customer places an order (with an idempotency key, placing it again returns the first one). */
  placeOrder(order: NewOrder, idempotencyKey?: string): Promise<ShopOrder> {
    return this.call('POST', `${this.urls.shop}/orders`, order, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  /** Orders in a CRM state (an operator's work list with `operatorId`), oldest first. */
  async crmOrders(state: CrmOrder['state'], limit = 100, operatorId?: string): Promise<CrmOrder[]> {
    const query = new URLSearchParams({ state, limit: String(limit), ...(operatorId && { operator_id: operatorId }) });
    return (await this.call<{ orders: CrmOrder[] }>('GET', `${this.urls.crm}/orders?${query}`)).orders;
  }

  /** The operator an order is assigned to confirms it. */
  confirm(orderId: string, operatorId: string): Promise<CrmOrder> {
    return this.call('POST', `${this.urls.crm}/orders/${encodeURIComponent(orderId)}/confirm`, { operator_id: operatorId });
  }

  /** Production orders in a state, oldest first. */
  async production(state: ProductionState, limit = 100): Promise<ProductionView[]> {
    return (await this.call<{ orders: ProductionView[] }>('GET', `${this.urls.mesApi}/production?state=${state}&limit=${limit}`)).orders;
  }

  /** The shop floor starts, finishes or ships a production order. */
  step(orderId: string, step: ProductionStep): Promise<ProductionView> {
    return this.call('POST', `${this.urls.mesApi}/production/${encodeURIComponent(orderId)}/${step}`);
  }

  private async call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new UnavailableError(`${method} ${url}: ${(err as Error).message}`, err);
    }
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as T;
    const message = `${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`;
    if (res.status === 409) throw new OrderMovedOn(message);
    if (res.status >= 500 || res.status === 429) throw new UnavailableError(message);
    throw new ValidationError(message);
  }
}
