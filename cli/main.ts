#!/usr/bin/env node
import { buildProgram } from './program';
import { OrderscopeError } from '../common/errors';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    // Known errors carry a message written for people; anything else is a bug and keeps its stack.
    if (err instanceof OrderscopeError) console.error(`orderscope: ${err.message}`);
    else console.error(err);
    process.exit(1);
  });
