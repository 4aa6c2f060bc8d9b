import { ConfigError } from '../../common';

type Step = string | number;

/**
 * Compiles a simple JSON path: `$` followed by `.name`, `['name']` (or `["name"]`) and `[index]`
 * steps, e.g. `$.order.id`, `$.lines[0].sku`, `$['order-id']`. No wildcards, filters or recursion:
 * the tap reads one value per message, and a path that can match several would be ambiguous.
 *
 * @returns a function giving the value at the path, or undefined when the document has none.
 */
export function compileJsonPath(path: string): (document: unknown) => unknown {
  const steps = parseJsonPath(path);
  return (document) => {
    let value: unknown = document;
    for (const step of steps) {
      if (value === null || typeof value !== 'object') return undefined;
      if (typeof step === 'number') {
        if (!Array.isArray(value)) return undefined;
        value = value[step];
      } else {
        if (Array.isArray(value) || !Object.hasOwn(value, step)) return undefined;
        value = (value as Record<string, unknown>)[step];
      }
    }
    return value;
  };
}

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

function parseJsonPath(path: string): Step[] {
  if (!path.startsWith('$')) throw invalid(path, 0, 'a path starts with $');
  const steps: Step[] = [];
  for (let at = 1; at < path.length; ) {
    const match = STEP.exec(path.slice(at));
    if (!match) throw invalid(path, at, 'expected .name, [index] or [\'name\']');
    const [whole, name, index, single, double] = match;
    if (index !== undefined) steps.push(Number(index));
    else steps.push((name ?? single ?? double ?? '').replace(/\\(.)/g, '$1'));
    at += whole.length;
  }
  return steps;
}

function invalid(path: string, at: number, what: string): ConfigError {
  return new ConfigError(`"${path}" is not a JSON path this tap reads (at character ${at + 1}: ${what}; e.g. $.order.id or $.lines[0].sku)`);
}
