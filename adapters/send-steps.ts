import { PermanentError } from '../src/core/errors.ts';
import type { SendResult } from '../src/core/outbound.ts';

/**
 * A send made of several platform calls (a long text in pieces, a poll after its intro): when an
 * attempt fails part-way, the next attempt of the same outbox row resumes after the steps already
 * done instead of posting them again. Progress is kept in memory (bounded), per outbox row id.
 */
export class ResumableSends {
  private readonly progress = new Map<string, number>();

  constructor(private readonly platform: string) {}

  /**
   * Runs the steps of one send, skipping those a previous attempt of the same outbox row did; each
   * step's request waits for `beforeRequest` (the send's turn at the platform's pace) first.
   */
  async run(
    id: string,
    steps: (() => Promise<SendResult>)[],
    beforeRequest?: () => Promise<void>,
  ): Promise<SendResult> {
    const done = this.progress.get(id) ?? 0;
    let result: SendResult | undefined;
    for (let i = done; i < steps.length; i++) {
      const step = steps[i];
      if (!step) continue;
      await beforeRequest?.();
      result = await step();
      if (i < steps.length - 1) {
        if (this.progress.size > 10_000) this.progress.clear();
        this.progress.set(id, i + 1);
      }
    }
    this.progress.delete(id);
    if (!result) throw new PermanentError(`${this.platform}: nothing to send`);
    return result;
  }
}
