import { PermanentError } from '../src/core/errors.ts';
import type { SendResult } from '../src/core/outbound.ts';

/**
 * A send made of several platform calls (a long text in pieces, a poll after its intro): when an
 * attempt fails part-way, the next attempt of the same outbox row resumes after the steps already
 * done instead of posting them again. Progress is kept in memory (bounded), per outbox row id.
 */
export class ResumableSends {
  private readonly progress = new Map<string, { done: number; first?: SendResult }>();

  /**
   * @param answer which step's result the send answers with: the last (a poll after its intro) or
   *   the first (a long Slack message is known by its first piece, also when a retry resumed after it).
   */
  constructor(
    private readonly platform: string,
    private readonly answer: 'first' | 'last' = 'last',
  ) {}

  /**
   * Runs the steps of one send, skipping those a previous attempt of the same outbox row did; each
   * step's request waits for `beforeRequest` (the send's turn at the platform's pace) first.
   */
  async run(
    id: string,
    steps: (() => Promise<SendResult>)[],
    beforeRequest?: () => Promise<void>,
  ): Promise<SendResult> {
    const state = this.progress.get(id) ?? { done: 0 };
    let result: SendResult | undefined;
    for (let i = state.done; i < steps.length; i++) {
      const step = steps[i];
      if (!step) continue;
      await beforeRequest?.();
      result = await step();
      if (i === 0) state.first = result;
      if (i < steps.length - 1) {
        if (this.progress.size > 10_000) this.progress.clear();
        state.done = i + 1;
        this.progress.set(id, state);
      }
    }
    this.progress.delete(id);
    const answer = this.answer === 'first' ? (state.first ?? result) : result;
    if (!answer) throw new PermanentError(`${this.platform}: nothing to send`);
    return answer;
  }
}
