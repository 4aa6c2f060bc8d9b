/**
 * Starts the orderscope agent before the application loads, with no code change:
 *
 *     ORDERSCOPE_AGENT_SERVICE=shop ORDERSCOPE_COLLECTOR_URL=http://collector:7400 ORDERSCOPE_TOKEN=... \
 *       node --require orderscope/dist/agents/node/register app.js
 *
 * Being first is what lets OpenTelemetry instrument http, express, pg, amqplib and kafkajs. The
 * application reaches the agent with `getAgent()` (for trackOrder, the logger and the metrics).
 * On SIGTERM and SIGINT the agent flushes (bounded by its shutdown timeout) and, unless the
 * application listens for the signal itself, the process then ends as the signal asks.
 */
import { AGENT_ENV_NAMES, agentOptionsFromEnv, parseAgentOptions } from './agent-options';
import { launchAgent } from './start-agent';

const agent = launchAgent(parseAgentOptions(agentOptionsFromEnv(process.env), AGENT_ENV_NAMES));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void agent.shutdown().finally(() => {
      // Listening replaced Node's default (exit on the signal); with no other listener, restore it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  });
}
