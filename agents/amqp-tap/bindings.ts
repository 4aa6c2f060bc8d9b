import { orderEventShape } from '../../events';
import { ConfigError } from '../../common';

/** One exchange and routing key the tap queue is bound to, and the state its messages mean. */
export interface TapBinding {
  exchange: string;
  /** A binding key: exact, or a topic pattern with * (one word) and # (any number of words). */
  routingKey: string;
  state: string;
}

/**
 * Parses `--bind exchange:routingKey[=state]`, e.g. `orders:quote.requested=quote_requested` or
 * `orders:order.#` (then `--state` gives the state).
 */
export function parseBinding(spec: string, defaultState: string | undefined): TapBinding {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new ConfigError(`--bind: "${spec}" is not exchange:routingKey[=state] (e.g. orders:quote.requested=quote_requested); the default exchange cannot be bound`);
  const rest = spec.slice(colon + 1);
  const eq = rest.lastIndexOf('=');
  const routingKey = eq < 0 ? rest : rest.slice(0, eq);
  const state = eq < 0 ? defaultState : rest.slice(eq + 1);
  if (state === undefined) throw new ConfigError(`--bind: "${spec}" has no state: add =<state> to it, or give --state for every binding without one`);
  const check = orderEventShape.shape.state.safeParse(state);
  if (!check.success) throw new ConfigError(`--bind: "${state}" (in "${spec}") cannot be a state: ${check.error.issues[0]?.message}`);
  return { exchange: spec.slice(0, colon), routingKey, state };
}

/**
 * The binding a delivered message came through. A queue gets one copy of a message however many
 * of its bindings match, so the first binding (in configuration order) of the message's exchange
 * whose key matches its routing key wins; on fanout and headers exchanges, where keys do not
 * route, the exchange's first binding.
 */
export function bindingOf(bindings: readonly TapBinding[], exchange: string, routingKey: string): TapBinding | undefined {
  const candidates = bindings.filter((b) => b.exchange === exchange);
  return candidates.find((b) => topicMatches(b.routingKey, routingKey)) ?? candidates[0];
}

/** AMQP topic matching: words separated by ".", "*" matches one word, "#" zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...tail] = p;
    if (head === '#') return match(tail, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(tail, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}
