/**
 * The re-architected order pipeline: shop, CRM, MES API and MES workers, each a real service with
 * its own database, instrumented end to end with the orderscope agent. They are the reference for
 * instrumenting a pipeline with orderscope; `orderscope pipeline <service>` runs one.
 *
 * Exported here: configuration, the launcher and the driver. The services themselves load express, pg
 * and amqplib, which must happen after the agent started (runtime/service-main.ts does that).
 */
export { SERVICES, SERVICE_OPTIONS, SERVICE_SOURCE, parseServiceConfig } from './config/service-config';
export type { ServiceName, ServiceOption, ServiceConfig } from './config/service-config';
export { parseToggles, togglesSchema, TOGGLE_NAMES } from './config/toggles';
export type { Toggles } from './config/toggles';
export { launchService } from './runtime/launch';
export { runDriver } from './driver/run-driver';
export type { DriverOptions } from './driver/run-driver';
export { QUEUES, EXCHANGE, assertWorkQueue } from './shared/amqp/topology';
export { orderFromCatalogue, partCatalogue } from './driver/catalogue';
export { PipelineClient } from './driver/client';
export type { PipelineUrls } from './driver/client';
export { placeOrders } from './driver/customers';
export { runLimited, startFloor } from './driver/floor';
export type { Floor } from './driver/floor';
export { partKey } from './mes/pricing/part-key';
export { partSpecSchema } from './shared/messages';
export type { NewOrder } from './shared/messages';
