/** One item that failed on its own, and why. */
export interface Poisoned<I, R extends string> {
  readonly item: I;
  readonly reason: R;
  readonly error: unknown;
}

/** What isolating a batch gave: the outcome of every part that applied, and the items that never can. */
export interface Isolated<I, O, R extends string> {
  readonly outcomes: O[];
  readonly poisoned: Poisoned<I, R>[];
}

/**
 * Applies `items` with `apply`, setting aside the items that can never be applied without holding
 * back the others. When `apply` fails and `poisonOf` says the failure is the items' own (not the
 * database's), the batch is halved and each half applied on its own, down to single items: a single
 * item that still fails is poison. So k poison items in n cost about 2k·log2(n) extra applies, and a
 * batch with none costs exactly one.
 *
 * A failure that is not poison (the database is down) is thrown as it is, from whatever part it hit:
 * the caller gets the whole batch back to retry, and the parts already applied are duplicates then,
 * which apply ignores. This is what makes splitting safe: `apply` is idempotent and its result does
 * not depend on how events are grouped into batches.
 */
export async function isolatePoison<I, O, R extends string>(
  items: readonly I[],
  apply: (part: readonly I[]) => Promise<O>,
  poisonOf: (err: unknown) => R | undefined,
): Promise<Isolated<I, O, R>> {
  const result: Isolated<I, O, R> = { outcomes: [], poisoned: [] };
  const visit = async (part: readonly I[]): Promise<void> => {
    if (part.length === 0) return;
    try {
      result.outcomes.push(await apply(part));
      return;
    } catch (err) {
      const reason = poisonOf(err);
      if (reason === undefined) throw err;
      if (part.length === 1) {
        result.poisoned.push({ item: part[0]!, reason, error: err });
        return;
      }
    }
    const middle = Math.ceil(part.length / 2);
    await visit(part.slice(0, middle));
    await visit(part.slice(middle));
  };
  await visit(items);
  return result;
}
