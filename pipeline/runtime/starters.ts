import type { ServiceName } from '../config/service-config';
import { startCrm } from '../crm/service';
import { startMesApi } from '../mes/api/service';
import { startMesWorker } from '../mes/worker/service';
import { startShop } from '../shop/service';
import type { ServiceStarter } from './service';

/** Each service's starter. Requiring this module loads express, pg and amqplib: only after the agent started. */
export const SERVICE_STARTERS: { readonly [S in ServiceName]: ServiceStarter<S> } = {
  shop: startShop,
  crm: startCrm,
  'mes-api': startMesApi,
  'mes-worker': startMesWorker,
};
