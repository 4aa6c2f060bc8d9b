/**
 * `orderscope agent ...` for child processes of the integration tests: the real command
 * (cli/commands/agent.ts) on a bare program, because cli/program.ts reads the version from the
 * package.json above dist/, which the TypeScript sources do not have.
 */
import { Command } from 'commander';
import { registerAgent } from '../../cli/commands/agent';
import { OrderscopeError } from '../../common';

const program = new Command('orderscope');
registerAgent(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof OrderscopeError ? `orderscope: ${err.message}` : err);
  process.exit(1);
});
