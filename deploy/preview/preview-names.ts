import { createHash } from 'node:crypto';

/**
 * The names of one branch's preview environment. Every name that the environment shares a server
 * with other environments under (the namespace on the cluster, the Kafka topic and consumer group,
 * the PostgreSQL databases, the RabbitMQ vhost, the Redis key prefix) is derived here from the
 * branch, so two branches never meet: a readable part from the branch and a hash of the whole branch
 * name, since two branches can read the same once cut and lower-cased (`Fix/A` and `fix-a`).
 */
export interface PreviewNames {
  /** The branch as given. */
  readonly branch: string;
  /** A DNS-1123 label (63 characters at most): the namespace, and the prefix of every other name. */
  readonly namespace: string;
  readonly topic: string;
  readonly groupId: string;
  /** One database per service that has one, by the service's name for it. */
  readonly databases: Readonly<Record<PreviewDatabase, string>>;
  readonly vhost: string;
  readonly redisKeyPrefix: string;
  /** The branch as a label value (63 characters at most, [A-Za-z0-9._-]); the full name is in an annotation. */
  readonly branchLabel: string;
}

export const PREVIEW_DATABASES = ['tracker', 'shop', 'crm', 'mes'] as const;
export type PreviewDatabase = (typeof PREVIEW_DATABASES)[number];

/** Kubernetes' limit on a namespace name and on a label value; PostgreSQL's on an identifier is 63 bytes too. */
const MAX_NAME = 63;
const PREFIX = 'pv-';
const HASH_LENGTH = 8;
/** The longest database suffix ("_tracker") must fit beside the namespace in 63 bytes. */
const LONGEST_DATABASE_SUFFIX = Math.max(...PREVIEW_DATABASES.map((d) => d.length + 1));

export function previewNames(branch: string): PreviewNames {
  if (branch.trim() === '') throw new Error('the branch name is empty: pass the name of the git branch to preview, e.g. --branch feature/quotes');
  const hash = createHash('sha256').update(branch).digest('hex').slice(0, HASH_LENGTH);
  // Room for "pv-", the slug, "-" and the hash, so that every database name fits in 63 bytes too.
  const room = MAX_NAME - LONGEST_DATABASE_SUFFIX - PREFIX.length - 1 - HASH_LENGTH;
  const slug = slugOf(branch, room);
  const namespace = `${PREFIX}${slug ? `${slug}-` : ''}${hash}`;
  const underscored = namespace.replace(/-/g, '_');
  return {
    branch,
    namespace,
    topic: `order-events.${namespace}`,
    groupId: `orderscope-tracker.${namespace}`,
    databases: Object.fromEntries(PREVIEW_DATABASES.map((d) => [d, `${underscored}_${d}`])) as Record<PreviewDatabase, string>,
    vhost: namespace,
    redisKeyPrefix: `${namespace}:`,
    branchLabel: labelValueOf(branch),
  };
}

/** Lower-case letters, digits and single hyphens, at most `max` characters, no hyphen at either end. */
function slugOf(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/** A label value: [A-Za-z0-9._-], at most 63, starting and ending with a letter or digit. */
function labelValueOf(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, MAX_NAME)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
