import type { ChatAddress, InboundEvent, ReplyHandle } from './events.ts';
import type { Logger } from './log.ts';
import type { OutboundContent } from './outbound.ts';

/** A request to put one message into the outbox. */
export interface EnqueueRequest {
  to: ChatAddress;
  content: OutboundContent;
  correlationId?: string;
  /** The answered event's reply handle; the adapter may send the row through it. */
  replyHandle?: ReplyHandle;
  memberId?: string;
  broadcastId?: string;
  dedupeKey?: string;
  availableAt?: Date;
}

/** The member behind an event's sender, once identified. */
export interface MemberRef {
  memberId: string;
  identityId: string;
  /** True when this identity was seen for the first time by this event. */
  isNew: boolean;
}

export interface ContextDeps {
  enqueue(request: EnqueueRequest): Promise<string>;
  log: Logger;
}

/** What every handler gets: the event, the member, and the ways to answer. */
export class Context {
  member: MemberRef | undefined;
  /** Outbox rows enqueued while handling this event. */
  enqueued = 0;

  constructor(
    readonly event: InboundEvent,
    protected readonly deps: ContextDeps,
  ) {}

  get log(): Logger {
    return this.deps.log;
  }

  /**
   * Answers in the chat (and thread) the event came from; the event's reply handle, if it has one,
   * goes with the row, so whichever process sends it can answer through it.
   */
  reply(content: string | OutboundContent): Promise<string> {
    const handle = this.event.replyHandle;
    return this.send(this.event.address, content, handle ? { replyHandle: handle } : {});
  }

  /** Sends to any chat, through the outbox. */
  async send(to: ChatAddress, content: string | OutboundContent, options: Partial<EnqueueRequest> = {}) {
    const body = typeof content === 'string' ? { text: content } : content;
    const id = await this.deps.enqueue({
      correlationId: this.event.id,
      memberId: this.member?.memberId,
      ...options,
      to,
      content: body,
    });
    this.enqueued += 1;
    return id;
  }
}
