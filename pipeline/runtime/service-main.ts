/**
 * The process of one pipeline service, forked by `orderscope pipeline <service>` with its checked
 * configuration in ORDERSCOPE_PIPELINE_LAUNCH. It starts the orderscope agent first, and only then
 * requires the service, which loads express, pg and amqplib: loaded after the agent, they are traced.
 */
import path from 'node:path';
import { startAgent } from '../../agents/node';
import { SERVICE_SOURCE } from '../config/service-config';
import { LAUNCH_ENV, type LaunchSpec } from './launch';

const spec = JSON.parse(process.env[LAUNCH_ENV] ?? 'null') as LaunchSpec | null;
if (!spec) {
  console.error(`orderscope: ${__filename} is started by \`orderscope pipeline <service>\`, which sets ${LAUNCH_ENV}`);
  process.exit(2);
}
// Not for the children of this process (the pricing threads) and not for a log of the environment.
delete process.env[LAUNCH_ENV];
const { service, config } = spec;

const agent = startAgent({
  service,
  source: SERVICE_SOURCE[service],
  collectorUrl: config.collectorUrl,
  token: config.token,
  spoolDir: config.spoolDir ?? path.join('.orderscope', 'spool', `${service}-${config.instance}`),
  log: { level: config.logLevel },
});

/* eslint-disable @typescript-eslint/no-require-imports -- loaded after startAgent, on purpose: see the top of this file */
const { runService } = require('./run-service') as typeof import('./run-service');
const { SERVICE_STARTERS } = require('./starters') as typeof import('./starters');
/* eslint-enable @typescript-eslint/no-require-imports */

function run<S extends LaunchSpec['service']>(launched: LaunchSpec<S>): Promise<void> {
  return runService(launched, SERVICE_STARTERS[launched.service], agent);
}
void run(spec);
