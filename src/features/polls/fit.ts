import type { PollLimits } from '../../core/adapter.ts';
import { UserFacingError } from '../../core/errors.ts';

/** What a native poll must fit: its text and, when it has one, how long it stays open. */
export interface PollShape {
  question: string;
  options: readonly string[];
  /** Milliseconds from posting to closing, when the poll closes by itself. */
  openForMs?: number;
}

const HOUR_MS = 3_600_000;

/** Why a poll does not fit a platform's native polls, one reason a line; empty when it fits. */
export function pollMisfits(poll: PollShape, limits: PollLimits): string[] {
  const reasons: string[] = [];
  if (poll.question.length > limits.maxQuestionLength) {
    reasons.push(`the question has ${poll.question.length} characters (at most ${limits.maxQuestionLength})`);
  }
  if (poll.options.length > limits.maxOptions) {
    reasons.push(`it has ${poll.options.length} options (at most ${limits.maxOptions})`);
  }
  for (const option of poll.options) {
    if (option.length > limits.maxOptionLength) {
      reasons.push(
        `option "${option.slice(0, 30)}${option.length > 30 ? '…' : ''}" has ${option.length} characters (at most ${limits.maxOptionLength})`,
      );
    }
  }
  const maxHours = limits.maxDurationHours;
  if (maxHours !== undefined && poll.openForMs !== undefined && poll.openForMs > maxHours * HOUR_MS) {
    reasons.push(`it stays open ${Math.ceil(poll.openForMs / HOUR_MS)} hours (at most ${maxHours})`);
  }
  return reasons;
}

/** Refuses, in plain words for the owner, a poll that does not fit where it would go as a native poll. */
export function assertPollFits(poll: PollShape, platformName: string, limits: PollLimits | undefined): void {
  if (!limits) return;
  const reasons = pollMisfits(poll, limits);
  if (reasons.length === 0) return;
  throw new UserFacingError(
    `Nothing was posted: this poll does not fit ${platformName}'s native polls: ${reasons.join('; ')}. Shorten it, or add --anonymous to post it with buttons instead.`,
  );
}
