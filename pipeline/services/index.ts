/**
 * The pipeline's services as code: each one's starter and what it is started with. A module of its
 * own because requiring it loads express, pg and amqplib, which pipeline/index.ts must not (the
 * deployment generators import it), and which a process must load only after its agent started
 * (runtime/service-main.ts does that). The agent bench starts the real shop from here, with the
 * agent and without it.
 */
export { SERVICE_STARTERS } from '../runtime/starters';
export type { RunningService, ServiceContext, ServiceStarter } from '../runtime/service';
