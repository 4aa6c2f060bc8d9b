import { orderEventJsonSchema } from '../events';

/** A file that `orderscope generate` writes, relative to the repository root. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** Every generated file, computed in memory: used by `orderscope generate` and by the freshness test. */
export function generatedFiles(): GeneratedFile[] {
  return [{ path: 'events/order-event.schema.json', content: `${JSON.stringify(orderEventJsonSchema(), null, 2)}\n` }];
}
