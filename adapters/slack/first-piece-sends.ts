import type { SendResult } from '../../src/core/outbound.ts';
import { ResumableSends } from '../send-steps.ts';

/** Bounds the first results kept for sends that failed part-way (as ResumableSends bounds its own). */
const MAX_KEPT = 10_000;

/**
 * ResumableSends that answers with the FIRST step's result: a long Slack message is known by its
 * first piece's ts (a handoff's thread hangs under it), also when a retry resumed after that piece.
 * The first result is kept in memory per outbox row id until the send completes.
 */
export class FirstPieceSends {
  private readonly resumable: ResumableSends;
  private readonly firstResults = new Map<string, SendResult>();

  constructor(platform: string) {
    this.resumable = new ResumableSends(platform);
  }

  /** Runs the steps of one send (see ResumableSends.run); the answer is the first step's result. */
  async run(
    id: string,
    steps: (() => Promise<SendResult>)[],
    beforeRequest?: () => Promise<void>,
  ): Promise<SendResult> {
    const [first, ...rest] = steps;
    if (!first) return this.resumable.run(id, steps, beforeRequest);
    const remembered = async (): Promise<SendResult> => {
      const result = await first();
      if (this.firstResults.size > MAX_KEPT) this.firstResults.clear();
      this.firstResults.set(id, result);
      return result;
    };
    const last = await this.resumable.run(id, [remembered, ...rest], beforeRequest);
    const result = this.firstResults.get(id) ?? last;
    this.firstResults.delete(id);
    return result;
  }
}
