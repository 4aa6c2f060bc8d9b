/**
 * The pipeline's dead-letter queues for the CLI (`orderscope pipeline dlq`): a module of its own,
 * because it loads amqplib, which pipeline/index.ts must not (the deployment generators import it,
 * and a service must load amqplib only after its agent started).
 */
export { listDeadLetters, redriveDeadLetters, withRabbitMq } from '../shared/amqp/dead-letter-queue';
export type { DeadLetter } from '../shared/amqp/dead-letters';
