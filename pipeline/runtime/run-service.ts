import type { Agent } from '../../agents/node';
import { SHUTDOWN_DEADLINE_MS } from '../../common';
import type { ServiceName } from '../config/service-config';
import { ServiceCrash } from '../shared/errors';
import { exposeToggles } from '../shared/metrics';
import type { LaunchSpec } from './launch';
import type { RunningService, ServiceStarter } from './service';

/**
 * Runs a service until it is told to stop or must: on SIGTERM or SIGINT it closes gracefully and
 * exits 0; on a fatal error (a ServiceCrash, an uncaught exception, an unhandled rejection) it logs
 * it, closes the same way and exits 1, for its supervisor (compose, Kubernetes, the e2e test) to start
 * it again. Either way the agent is flushed last, so the order events of the work finished during the
 * close reach the collector (or the spool).
 */
export async function runService<S extends ServiceName>(spec: LaunchSpec<S>, start: ServiceStarter<S>, agent: Agent): Promise<void> {
  const logger = agent.logger;
  let service: RunningService | undefined;
  let stopping = false;

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error(`stopping took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void (async () => {
      await service?.close().catch((err: unknown) => logger.error({ err }, 'error while closing'));
      await agent.shutdown();
      logger.info({ exit_code: exitCode }, 'stopped');
      process.exit(exitCode);
    })();
  };
  const fatal = (err: unknown) => {
    if (stopping) return logger.error({ err }, 'another fatal error while stopping');
    logger.fatal({ err }, err instanceof ServiceCrash ? `${err.message}: stopping` : 'unexpected error: stopping');
    stop(1);
  };

  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      // A terminal's Ctrl-C reaches this process and the CLI that forwards it: the second one is not an insistence.
      if (stopping) return logger.info({ signal }, 'already stopping');
      logger.info({ signal }, 'stopping: finishing the work in flight');
      stop(0);
    });
  }

  exposeToggles(agent.registry, spec.config.toggles);
  try {
    service = await start({ config: spec.config, agent, onFatal: fatal });
  } catch (err) {
    fatal(err);
    return;
  }
  if (stopping) {
    // A signal or crash came during the start: close what the start opened.
    await service.close();
    return;
  }
  logger.info({ url: service.url, instance: spec.config.instance, toggles: spec.config.toggles }, `${spec.service} started`);
}
