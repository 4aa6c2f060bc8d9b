import { orderEventShape } from '../../events';
import { ConfigError } from '../../common';

/** One `--attribute` spec, split: the event attribute's name and where the agent reads its value. */
export interface AttributeSpec {
  /** The attribute's name in the event. */
  readonly name: string;
  /** Where its value comes from, in the agent's own terms: a column; `header:<name>` or `json:<path>`. */
  readonly source: string;
}

/** How one agent writes its `--attribute` specs. */
export interface AttributeSpecSyntax {
  /** What a spec should look like, for the error: `--attribute: "<spec>" is not <expected>`. */
  readonly expected: string;
  /** A bare `name` reads the source of the same name (a column named like the attribute); otherwise `name=` is required. */
  readonly bareName?: boolean;
  /** Attributes the agent sets on every event itself, refused as names (the AMQP tap's exchange and routing key). */
  readonly reserved?: readonly string[];
}

/**
 * Parses `name=source` specs (split at the first `=`, so a source may contain more): the name must
 * be one the event contract accepts as an attribute name, and no reserved one, and the source must
 * not be empty. What a source means, and whether it exists, is the agent's to check.
 * @throws ConfigError naming the flag and the spec, in the words of `syntax.expected`.
 */
export function parseAttributeSpecs(specs: readonly string[], syntax: AttributeSpecSyntax): AttributeSpec[] {
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    const bare = eq < 0;
    const name = bare ? spec : spec.slice(0, eq);
    const source = bare ? spec : spec.slice(eq + 1);
    if ((bare && !syntax.bareName) || !isAttributeName(name) || syntax.reserved?.includes(name) || source === '') {
      throw new ConfigError(`--attribute: "${spec}" is not ${syntax.expected}`);
    }
    return { name, source };
  });
}

/** A name the event contract takes as an attribute's (letters, digits, "_", "." or "-", bounded length). */
function isAttributeName(name: string): boolean {
  return orderEventShape.shape.attributes.safeParse({ [name]: null }).success;
}
