import type { Context } from './context.ts';
import type { InboundEvent, InboundKind } from './events.ts';

export type NextFn = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: NextFn) => unknown;
type Narrow<C extends Context, K extends InboundKind> = C & { event: Extract<InboundEvent, { kind: K }> };

/**
 * Runs middleware in order; each calls `next()` to pass control on (grammY / Koa style).
 * No async frame per layer: a layer that passes on hands the downstream promise straight back, so
 * an event that crosses twenty routing filters costs twenty closures, not twenty promises and the
 * microtasks to resume each of them.
 */
export function compose<C>(middleware: readonly Middleware<C>[]): (ctx: C, next: NextFn) => Promise<void> {
  return (ctx, next) => {
    let last = -1;
    const run = (i: number): Promise<void> => {
      if (i <= last) return Promise.reject(new Error('next() called more than once'));
      last = i;
      const fn = middleware[i];
      if (!fn) return next();
      try {
        return Promise.resolve(fn(ctx, () => run(i + 1))) as Promise<void>;
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return run(0);
  };
}

/** A tree of middleware with routing helpers. Features export one each. */
export class Composer<C extends Context> {
  private readonly stack: Middleware<C>[] = [];

  use(...middleware: Middleware<C>[]): this {
    this.stack.push(...middleware);
    return this;
  }

  /** Runs `middleware` when `predicate` holds, otherwise passes on. */
  filter(predicate: (ctx: C) => boolean, ...middleware: Middleware<C>[]): this {
    const inner = compose(middleware);
    return this.use((ctx, next) => (predicate(ctx) ? inner(ctx, next) : next()));
  }

  on<K extends InboundKind>(kind: K, ...middleware: Middleware<Narrow<C, K>>[]): this {
    const inner = compose(middleware) as Middleware<C>;
    return this.filter((ctx) => ctx.event.kind === kind, inner);
  }

  /** Handles `/name` (and `/name@bot`); several names may share a handler. */
  command(names: string | string[], ...middleware: Middleware<Narrow<C, 'command'>>[]): this {
    const wanted = new Set((Array.isArray(names) ? names : [names]).map((n) => n.toLowerCase()));
    const inner = compose(middleware) as Middleware<C>;
    return this.filter((ctx) => ctx.event.kind === 'command' && wanted.has(ctx.event.name), inner);
  }

  /** Handles button presses whose actionId equals `actionId` or matches it. */
  action(actionId: string | RegExp, ...middleware: Middleware<Narrow<C, 'action'>>[]): this {
    const inner = compose(middleware) as Middleware<C>;
    const matches = (id: string) => (typeof actionId === 'string' ? id === actionId : actionId.test(id));
    return this.filter((ctx) => ctx.event.kind === 'action' && matches(ctx.event.actionId), inner);
  }

  /** Handles plain messages whose whole text matches `pattern`. */
  hears(pattern: RegExp, ...middleware: Middleware<Narrow<C, 'message'>>[]): this {
    const inner = compose(middleware) as Middleware<C>;
    return this.filter((ctx) => ctx.event.kind === 'message' && pattern.test(ctx.event.text.trim()), inner);
  }

  middleware(): Middleware<C> {
    return compose(this.stack);
  }
}
