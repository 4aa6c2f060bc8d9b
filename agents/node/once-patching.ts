import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';

/**
 * An instrumentation of the agent's own that wraps each prototype once, however often its module is
 * reached (required and imported, by its package and by its file): wrapped twice, it would make two
 * spans of one request or statement.
 */
export abstract class OncePatchingInstrumentation<Config extends InstrumentationConfig> extends InstrumentationBase<Config> {
  /** The prototypes this instance wrapped. */
  private readonly wrapped = new WeakSet<object>();

  protected wrapOnce(prototype: object, method: string, wrapper: (original: never) => unknown): void {
    if (this.wrapped.has(prototype)) return;
    this._wrap(prototype as Record<string, unknown>, method, wrapper as (original: unknown) => unknown);
    this.wrapped.add(prototype);
  }

  /**
   * Only a prototype this instance wrapped. OpenTelemetry's unwrap restores what the outermost
   * wrapper wraps, so a wrapper another library laid over this one later goes with it.
   */
  protected unwrapOnce(prototype: object, method: string): void {
    if (this.wrapped.delete(prototype)) this._unwrap(prototype as Record<string, unknown>, method);
  }
}
