import type { Services } from '../../app/context.ts';
import { errorMessage, PermanentError } from '../../core/errors.ts';
import type { SendResult } from '../../core/outbound.ts';
import type { DeliveryListener } from '../../delivery/listeners.ts';
import { addressOf, type OutboxRow } from '../../delivery/outbox.ts';
import { type HandoffService, ROOT_CORRELATION_PREFIX } from './handoffs.ts';

/**
 * Dedupe key of an owner's reply relayed to the customer: `handoff-reply:<handoff id>:<event id>`
 * (the same reply handled twice is relayed once; its correlation stays the owner's event).
 */
export const REPLY_DEDUPE_PREFIX = 'handoff-reply:';

/**
 * How long a handoff's thread root waits before it is posted again, once every retry of the last
 * attempt failed (the owners' platform was down for longer than the outbox retries, about an hour).
 */
export const ROOT_REPOST_DELAY_MS = 10 * 60_000;

/**
 * What support does with delivery outcomes: a thread root posted gives the handoff its owners'
 * thread; a root that could not be posted during an outage is posted again later (a customer's
 * question is never lost); an owner's reply the customer's platform refused is reported in the
 * owners' thread instead of vanishing after "Sent".
 */
export function supportDeliveryListener(services: Services, handoffs: HandoffService): DeliveryListener {
  const onOwnersPlatform = (row: OutboxRow) => row.platform === services.owners.channel.platform;
  return {
    async onSent(row: OutboxRow, result: SendResult) {
      const correlation = row.correlationId;
      if (!correlation?.startsWith(ROOT_CORRELATION_PREFIX) || !onOwnersPlatform(row)) return;
      await handoffs.threadPosted(correlation.slice(ROOT_CORRELATION_PREFIX.length), result.messageId);
    },
    async onDead(row: OutboxRow, error: unknown) {
      const correlation = row.correlationId;
      if (correlation?.startsWith(ROOT_CORRELATION_PREFIX) && onOwnersPlatform(row)) {
        await repostRoot(row, correlation.slice(ROOT_CORRELATION_PREFIX.length), error);
      } else if (!row.broadcastId && row.memberId && !onOwnersPlatform(row)) {
        const handoffId = await relayedReplyOf(row);
        if (handoffId) await reportUndelivered(handoffId, error);
      }
    },
  };

  async function repostRoot(row: OutboxRow, handoffId: string, error: unknown): Promise<void> {
    if (error instanceof PermanentError) {
      services.log.error(
        { handoffId, err: errorMessage(error) },
        'the owners channel refused a handoff; check OWNERS_CHANNEL and that the bot is in it',
      );
      return;
    }
    const handoff = await handoffs.find(handoffId);
    if (handoff?.status !== 'open' || handoff.ownerThreadId) return;
    await services.outbox.enqueue({
      to: addressOf(row),
      content: row.payload,
      correlationId: row.correlationId ?? undefined,
      dedupeKey: `handoff-root:${handoffId}:after-${row.id.toString()}`,
      availableAt: new Date(services.now().getTime() + ROOT_REPOST_DELAY_MS),
    });
    services.log.warn(
      { handoffId },
      'handoff not posted to the owners yet (their platform is failing); trying again',
    );
  }

  /** The handoff an owner's relayed reply belongs to (its dedupe key says; dead rows are rare). */
  async function relayedReplyOf(row: OutboxRow): Promise<string | undefined> {
    const stored = await services.db.outbox.findUnique({
      where: { id: row.id },
      select: { dedupeKey: true },
    });
    const key = stored?.dedupeKey;
    if (!key?.startsWith(REPLY_DEDUPE_PREFIX)) return undefined;
    return key.slice(REPLY_DEDUPE_PREFIX.length).split(':')[0];
  }

  async function reportUndelivered(handoffId: string, error: unknown): Promise<void> {
    const handoff = await handoffs.find(handoffId);
    if (!handoff) return;
    const why =
      error instanceof PermanentError && error.recipientGone
        ? 'the customer has blocked the bot or left the platform'
        : errorMessage(error);
    await handoffs.postToOwners(handoff, {
      text: `⚠️ Your reply could not be delivered to the customer (${why}). It is kept in this thread.`,
    });
  }
}
