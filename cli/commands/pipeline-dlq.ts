import { Option, type Command } from 'commander';
import { ValidationError } from '../../common';
import { listDeadLetters, redriveDeadLetters, withRabbitMq, type DeadLetter } from '../../pipeline/dlq';

interface DlqFlags {
  queue: string;
  amqpUrl: string;
  limit?: number;
  json?: boolean;
}

const AMQP_SETTING = '--amqp-url, ORDERSCOPE_AMQP_URL';

const DLQ_HELP = `
Each work queue of the pipeline (mes.pricing, crm.quotes, mes.production) has a dead-letter queue
<queue>.dead: its consumer puts a message there after its retries (through <queue>.retry), or at once
when the message breaks its schema, with the reason in the header x-orderscope-dead-reason. Nothing
reads it by itself. Fix the cause, then move the messages back: the consumers are idempotent by order
id, so a message moved back twice does no harm.

Examples:
  orderscope pipeline dlq list --queue mes.pricing.dead
  orderscope pipeline dlq redrive --queue mes.pricing.dead --dry-run
  orderscope pipeline dlq redrive --queue mes.pricing.dead --limit 10`;

/** `orderscope pipeline dlq list|redrive`: the pipeline's RabbitMQ dead-letter queues, for an operator. */
export function registerDlq(pipeline: Command): void {
  const dlq = pipeline.command('dlq').description('Look at the pipeline\'s RabbitMQ dead-letter queues (<queue>.dead) and move their messages back.').addHelpText('after', DLQ_HELP);

  withDlqOptions(dlq.command('list'), 'show the first N messages (default 10)')
    .description('Count the messages of a dead-letter queue and show the first ones: order id, message id, the queue they go back to, when and why they died. Nothing moves.')
    .action(async (flags: DlqFlags) => {
      const list = await withRabbitMq(flags.amqpUrl, AMQP_SETTING, (model) => listDeadLetters(model, flags.queue, flags.limit ?? 10));
      if (flags.json) return void process.stdout.write(`${JSON.stringify({ queue: flags.queue, ...list })}\n`);
      const shown = list.first.length < list.count ? `; the first ${list.first.length}` : '';
      process.stdout.write(`${flags.queue} holds ${plural(list.count, 'message')}${shown}${list.count > 0 ? ':' : ''}\n${letterLines(list.first)}`);
    });

  withDlqOptions(dlq.command('redrive'), 'move at most N messages (default: all that are there when it starts)')
    .description(
      'Move the messages of a dead-letter queue back to the queue each came from (x-death, else the name without .dead), at least once: each is published with a publisher confirm, then removed from the dead-letter queue. They get their retries afresh.',
    )
    .option('--dry-run', 'list what would move; move nothing')
    .action(async (flags: DlqFlags & { dryRun?: boolean }) => {
      const result = await withRabbitMq(flags.amqpUrl, AMQP_SETTING, (model) => redriveDeadLetters(model, flags.queue, { limit: flags.limit, dryRun: flags.dryRun }));
      if (flags.json) return void process.stdout.write(`${JSON.stringify({ queue: flags.queue, dry_run: flags.dryRun === true, ...result })}\n`);
      const what = `${result.moved.length} of ${plural(result.count, 'message')} from ${flags.queue}`;
      const head = flags.dryRun ? `dry run: would move ${what} (nothing moved)` : `moved ${what} back`;
      process.stdout.write(`${head}${result.moved.length > 0 ? ':' : ''}\n${letterLines(result.moved)}`);
    });
}

function withDlqOptions(command: Command, limitHelp: string): Command {
  return command
    .requiredOption('--queue <name>', 'the dead-letter queue, e.g. mes.pricing.dead')
    .addOption(new Option('--limit <n>', limitHelp).argParser(positiveInt('--limit')))
    .addOption(new Option('--amqp-url <url>', 'RabbitMQ').env('ORDERSCOPE_AMQP_URL').default('amqp://guest:guest@127.0.0.1:5672'))
    .option('--json', 'print JSON instead of text');
}

function positiveInt(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ValidationError(`${flag}: "${value}" is not a whole number > 0`);
    return n;
  };
}

function letterLines(letters: readonly DeadLetter[]): string {
  return letters
    .map((l) => `  order ${l.order_id ?? '(none)'}  message ${l.message_id ?? '(none)'}  -> ${l.queue}  died ${l.dead_at ?? '(unknown)'}${l.redrives > 0 ? `  moved back ${l.redrives}x before` : ''}\n    ${l.reason ?? '(no reason recorded)'}\n`)
    .join('');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
