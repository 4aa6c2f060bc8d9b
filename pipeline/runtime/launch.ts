import { fork } from 'node:child_process';
import path from 'node:path';
import type { ServiceConfig, ServiceName } from '../config/service-config';

/** The environment variable that hands a launched service its checked configuration. */
export const LAUNCH_ENV = 'ORDERSCOPE_PIPELINE_LAUNCH';

/** What the CLI hands the service process. */
export interface LaunchSpec<S extends ServiceName = ServiceName> {
  readonly service: S;
  readonly config: ServiceConfig<S>;
}

/**
 * Runs a service in a child process and mirrors it: SIGTERM and SIGINT are passed on, and this
 * process exits with the child's exit code.
 *
 * Why a child: OpenTelemetry instruments express, pg and amqplib when they are first required, and
 * the CLI has required them already for its other commands. The child (runtime/service-main.ts)
 * starts the orderscope agent before anything else, as agents/README.md asks of every host.
 */
export function launchService<S extends ServiceName>(spec: LaunchSpec<S>): void {
  const child = fork(path.join(__dirname, 'service-main.js'), [], {
    env: { ...process.env, [LAUNCH_ENV]: JSON.stringify(spec) },
    stdio: 'inherit',
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1)));
}
