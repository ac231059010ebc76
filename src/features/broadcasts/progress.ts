import type { Services } from '../../app/context.ts';
import type { Platform } from '../../core/events.ts';
import type { SendResult } from '../../core/outbound.ts';
import type { OutboxRow } from '../../delivery/outbox.ts';

/** correlationId of a broadcast's first progress message; its platform message id is then edited. */
export const PROGRESS_PREFIX = 'broadcast-progress:';

/** Owners' progress messages jump the queue (claims go by availableAt) instead of waiting behind the fan-out. */
const FRONT_OF_QUEUE = new Date(0);

export interface ProgressCounts {
  total: number;
  sent: number;
  failed: number;
  pending: number;
  stopped: number;
}

export function progressText(shortId: string, label: string, status: string, c: ProgressCounts): string {
  const state =
    status === 'enqueuing'
      ? 'enqueuing'
      : status === 'done'
        ? 'done'
        : status === 'cancelled'
          ? 'cancelled'
          : 'sending';
  const parts = [`sent ${c.sent}`, `failed ${c.failed}`, `pending ${c.pending}`];
  if (c.stopped > 0) parts.push(`stopped ${c.stopped}`);
  return `Broadcast ${shortId} to ${label || 'nobody'} (${state}): ${c.total} recipients · ${parts.join(' · ')}`;
}

/**
 * Keeps the owners informed: one Slack message per broadcast, edited as counts change (at most once
 * per interval), and the final counts recorded as delivery metrics when a broadcast is done.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private readonly lastText = new Map<string, string>();

  constructor(
    private readonly services: Services,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.update(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
  }

  /** Sends the first progress message for a new broadcast (inside its creating transaction). */
  firstMessage(id: string, label: string) {
    return {
      to: this.services.owners.channel,
      content: { text: progressText(id.slice(0, 8), label, 'enqueuing', zero()) },
      correlationId: `${PROGRESS_PREFIX}${id}`,
      dedupeKey: `${PROGRESS_PREFIX}${id}`,
      availableAt: FRONT_OF_QUEUE,
    };
  }

  /** Delivery hook: remembers the platform id of a first progress message, to edit it later. */
  async onSent(row: OutboxRow, result: SendResult): Promise<void> {
    if (!row.correlationId?.startsWith(PROGRESS_PREFIX) || row.payload.editMessageId) return;
    const id = row.correlationId.slice(PROGRESS_PREFIX.length);
    await this.services.db.broadcast.updateMany({
      where: { id },
      data: { progressRef: { messageId: result.messageId, platform: row.platform, chatId: row.chatId } },
    });
  }

  /** One round: counts every live broadcast, edits changed progress messages, finishes drained ones. */
  update(): Promise<void> {
    this.busy ??= this.round()
      .catch((error: unknown) => this.services.log.error({ err: error }, 'broadcast progress update failed'))
      .finally(() => {
        this.busy = undefined;
      });
    return this.busy;
  }

  private async round(): Promise<void> {
    const { db, outbox } = this.services;
    const live = await db.broadcast.findMany({ where: { status: { in: ['enqueuing', 'sending'] } } });
    for (const b of live) {
      const counts = await outbox.counts({ broadcastId: b.id });
      const c: ProgressCounts = {
        total: b.total,
        sent: counts.sent ?? 0,
        failed: counts.dead ?? 0,
        pending: (counts.pending ?? 0) + (counts.sending ?? 0),
        stopped: counts.cancelled ?? 0,
      };
      let status = b.status;
      if (status === 'sending' && c.pending === 0) {
        const finished = await db.broadcast.updateMany({
          where: { id: b.id, status: 'sending' },
          data: { status: 'done', finishedAt: this.services.now() },
        });
        if (finished.count === 0) continue;
        status = 'done';
        await this.recordMetrics(b.id);
      }
      const label = (b.audience as { label?: string } | null)?.label ?? '';
      await this.show(
        b.id,
        b.progressRef,
        progressText(b.id.slice(0, 8), label, status, c),
        status === 'done',
      );
    }
  }

  /**
   * Edits the progress message when it changed; without edits, only the final counts are posted.
   * With several instances each one counts, but an edit's dedupe key names its interval (the final
   * one its own), so the owners' message is edited once per interval whichever instances run.
   */
  private async show(id: string, ref: unknown, text: string, final: boolean): Promise<void> {
    if (this.lastText.get(id) === text) return;
    const messageId = (ref as { messageId?: string } | null)?.messageId;
    const channel = this.services.owners.channel;
    const canEdit = this.services.capabilitiesOf(channel.platform)?.editMessages ?? false;
    if (messageId && canEdit) {
      const interval = final ? 'final' : Math.floor(this.services.now().getTime() / this.intervalMs);
      const added = await this.services.outbox.enqueueMany([
        {
          to: channel,
          content: { text, editMessageId: messageId },
          dedupeKey: `${PROGRESS_PREFIX}${id}:edit:${interval}`,
          availableAt: FRONT_OF_QUEUE,
        },
      ]);
      // Another instance edited in this interval: try again next round (the counts may have moved on).
      if (added === 0) return;
    } else if (final) {
      await this.services.outbox.enqueue({
        to: channel,
        content: { text },
        dedupeKey: `${PROGRESS_PREFIX}${id}:done`,
      });
    } else {
      return;
    }
    this.lastText.set(id, text);
    if (final) this.lastText.delete(id);
    this.services.wakeDelivery();
  }

  private async recordMetrics(broadcastId: string): Promise<void> {
    const groups = await this.services.db.outbox.groupBy({
      by: ['platform', 'status'],
      where: { broadcastId, status: { in: ['sent', 'dead'] } },
      _count: { _all: true },
    });
    await this.services.metrics.recordMany(
      groups.map((g) => ({
        type: g.status === 'sent' ? ('delivery_sent' as const) : ('delivery_failed' as const),
        platform: g.platform as Platform,
        value: g._count._all,
        data: { broadcastId },
      })),
    );
  }
}

function zero(): ProgressCounts {
  return { total: 0, sent: 0, failed: 0, pending: 0, stopped: 0 };
}
