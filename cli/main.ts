#!/usr/bin/env node
import { buildProgram } from './program';
import { OrderscopeError } from '../common';

// Library timers are unref'd (a retry's backoff, for one): while a command runs, waiting for a
// database or collector that is down, nothing else might keep the process alive, and it would end
// with status 0 (a replay that looks done and is not).
const running = setInterval(() => undefined, 60_000);

buildProgram(process.argv)
  .parseAsync(process.argv)
  .then(() => clearInterval(running))
  .catch((err: unknown) => {
    // Known errors carry a message written for people; anything else is a bug and keeps its stack.
    if (err instanceof OrderscopeError) console.error(`orderscope: ${err.message}`);
    else console.error(err);
    process.exit(1);
  });
