import type { IngestResult, OrderEventInput } from '../../../../events';
import type { EventTransport } from '../../sender/delivery';

/** What the scripted collector does with one post: answer (202) or throw (any failure). */
export type Answer = (events: readonly OrderEventInput[]) => IngestResult | Promise<IngestResult>;

export const acceptAll: Answer = (events) => ({ accepted: events.length, rejected: [] });

/**
 * An {@link EventTransport} whose answers the test scripts: `answer` handles every post until it
 * is replaced. Records every post, and the event_ids of the posts that were answered 202.
 */
export class ScriptedTransport implements EventTransport {
  readonly posts: OrderEventInput[][] = [];
  readonly accepted: string[] = [];
  answer: Answer = acceptAll;

  async post(events: readonly OrderEventInput[]): Promise<IngestResult> {
    this.posts.push([...events]);
    const result = await this.answer(events);
    const rejected = new Set(result.rejected.map((r) => r.index));
    events.forEach((e, i) => {
      if (!rejected.has(i)) this.accepted.push(e.event_id);
    });
    return result;
  }
}

/** Polls `condition` every 5 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The value of a prom-client counter or gauge (for the given labels). */
export async function valueOf(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}
