import { z } from 'zod';
import { ValidationError } from '../../src/core/errors.ts';
import { PLATFORMS } from '../../src/core/events.ts';

/** Ids are keys: short, and no control characters (a NUL could not be stored). */
const id = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, { error: 'must not contain control characters' });
/**
 * Texts have no length limit of their own (the body limit bounds them): like every platform's
 * texts they are cleaned and, when too long, cut with a mark where events enter the core.
 */
const text = z.string();
const base = {
  platform: z.enum(PLATFORMS),
  userId: id,
  name: text.trim().optional(),
  /** A community chat id; omitted for a direct chat with the bot. */
  chatId: id.optional(),
  threadId: id.optional(),
  /** Reuse an id to simulate a platform redelivering the same event. */
  eventId: id.optional(),
  /** The sender administers the community chat (on Telegram or Discord), e.g. to /register it. */
  isChatAdmin: z.boolean().optional(),
};

export const messageRequest = z.object({ ...base, text });
export const actionRequest = z.object({
  ...base,
  actionId: id,
  value: text.optional(),
  messageId: id.optional(),
  /** The pressed button's label, shown in the transcript instead of its action id and value. */
  label: text.max(200).optional(),
});
export const voteRequest = z.object({
  ...base,
  pollRef: id,
  optionIds: z.array(z.number().int().min(0).max(99)).max(100),
});

export type MessageRequest = z.infer<typeof messageRequest>;
export type ActionRequest = z.infer<typeof actionRequest>;
export type VoteRequest = z.infer<typeof voteRequest>;

/** Parses a request body or throws a ValidationError that names each bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new ValidationError('expected a JSON object body');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new ValidationError(`invalid request: ${problems.join('; ')}`);
}
