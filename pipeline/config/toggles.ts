import { z } from 'zod';
import { ConfigError, splitList } from '../../common';

/**
 * Feature toggles for risky behaviour, read once at start (`--toggle name=value`, repeatable, or
 * `ORDERSCOPE_PIPELINE_TOGGLES="name=value,name=value"`). A toggle is changed by restarting the
 * service with another value, never at run time: a page at 3 a.m. should not depend on a flag
 * someone flipped in a console an hour earlier without a trace in the deploy history.
 */
export const togglesSchema = z.strictObject({
  /**
   * Price a part once and serve the same part from the Redis cache afterwards. Off: every order is
   * priced again (the pre-cache behaviour, e.g. while the pricing model changes).
   */
  pricingCache: z.boolean().default(true),
  /** Assign B2B orders before B2C orders when operators' capacity is short (a lost B2B order is a lost contract). */
  b2bFirst: z.boolean().default(true),
  /**
   * Fault injection, off when empty. A pricing worker that receives a request for a part whose part
   * number starts with this prefix acknowledges the message before processing it and then dies: the
   * old MES bug, in which the order silently stops after quote_requested. For drills and tests only.
   */
  faultAckThenDieOnPart: z.string().max(64).default(''),
  /**
   * Fault injection, off when empty. The shop drops the order events of an order for a part whose
   * part number starts with this prefix before its agent sends them (it journals the change without
   * an event, and counts the drop): an agent that loses events. No alert can page for such an order;
   * only reconciliation (`orderscope reconcile`) finds it. For drills and tests only.
   */
  faultUntrackedPart: z.string().max(64).default(''),
  /**
   * The architecture this pipeline replaced, for measuring against it (`npm run bench -- pipeline`):
   * mes-worker prices one order at a time on its own event loop (prefetch 1, no pricing threads, no
   * cache) and serves the MES API's production routes from that same process, so the shop floor's
   * dashboard waits behind every cost analysis. The old shared database of the shop and the CRM is a
   * matter of deployment: give both the same --database-url (each in its own schema, e.g.
   * `?options=-c%20search_path%3Dshop`). Never for production.
   */
  legacy: z.boolean().default(false),
});

/** The toggles with every default filled in. */
export type Toggles = z.output<typeof togglesSchema>;

/** The names of the toggles, for help texts and error messages. */
export const TOGGLE_NAMES = Object.keys(togglesSchema.shape) as (keyof Toggles)[];

/**
 * Parses `name=value` assignments (each entry may itself hold several, comma-separated). Booleans
 * take true/false/1/0/on/off. Unknown names and bad values fail with the name and what is expected.
 */
export function parseToggles(assignments: readonly string[] = []): Toggles {
  const raw: Record<string, unknown> = {};
  for (const assignment of assignments.flatMap(splitList)) {
    const eq = assignment.indexOf('=');
    const name = (eq < 0 ? assignment : assignment.slice(0, eq)).trim();
    const value = eq < 0 ? 'true' : assignment.slice(eq + 1).trim();
    if (!(TOGGLE_NAMES as string[]).includes(name)) {
      throw new ConfigError(`toggle "${name}" is unknown; the toggles are ${TOGGLE_NAMES.join(', ')}`);
    }
    raw[name] = togglesSchema.shape[name as keyof Toggles].unwrap() instanceof z.ZodBoolean ? parseBoolean(name, value) : value;
  }
  const parsed = togglesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid toggles: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Whether a toggle changes behaviour from the plain path: a true boolean or a non-empty string. */
export function isToggleOn(value: Toggles[keyof Toggles]): boolean {
  return typeof value === 'boolean' ? value : value !== '';
}

function parseBoolean(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['true', '1', 'on'].includes(v)) return true;
  if (['false', '0', 'off'].includes(v)) return false;
  throw new ConfigError(`toggle ${name}: "${value}" is not true or false`);
}

/** Whether the ack-then-die fault applies to a part: the toggle is on and the part number starts with its prefix. */
export function ackThenDieApplies(toggles: Pick<Toggles, 'faultAckThenDieOnPart'>, partNumber: string): boolean {
  return prefixFaultApplies(toggles.faultAckThenDieOnPart, partNumber);
}

/** Whether the untracked-order fault applies to a part: the toggle is on and the part number starts with its prefix. */
export function untrackedApplies(toggles: Pick<Toggles, 'faultUntrackedPart'>, partNumber: string): boolean {
  return prefixFaultApplies(toggles.faultUntrackedPart, partNumber);
}

function prefixFaultApplies(prefix: string, partNumber: string): boolean {
  return prefix !== '' && partNumber.startsWith(prefix);
}
