import type { Services } from '../../app/context.ts';
import type { ChatAddress } from '../../core/events.ts';

/** A "Did you mean…" the bot asked, as stored. */
export interface AskBackRecord {
  id: string;
  memberId: string;
  question: string;
  choices: string[];
  status: string;
  createdAt: Date;
}

/** A numbered reply counts for the member's latest open ask-back for this long. */
export const NUMBERED_REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Ask-backs in the database: one row per "Did you mean…", closed by the customer's pick. */
export class AskBackStore {
  constructor(private readonly services: Services) {}

  private get db() {
    return this.services.db;
  }

  async create(input: {
    memberId: string;
    customer: ChatAddress;
    question: string;
    choices: readonly string[];
  }): Promise<AskBackRecord> {
    const row = await this.db.askBack.create({
      data: {
        memberId: input.memberId,
        platform: input.customer.platform,
        chatId: input.customer.chatId,
        threadId: input.customer.threadId ?? null,
        question: input.question,
        choices: [...input.choices],
        createdAt: this.services.now(),
      },
    });
    return toRecord(row);
  }

  async find(id: string): Promise<AskBackRecord | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const row = await this.db.askBack.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  /** The member's latest open ask-back in this chat, if it is recent enough for a numbered reply. */
  async latestOpen(memberId: string, chat: ChatAddress): Promise<AskBackRecord | null> {
    const since = new Date(this.services.now().getTime() - NUMBERED_REPLY_WINDOW_MS);
    const row = await this.db.askBack.findFirst({
      where: {
        memberId,
        platform: chat.platform,
        chatId: chat.chatId,
        status: 'open',
        createdAt: { gte: since },
      },
      orderBy: { createdAt: 'desc' },
    });
    return row ? toRecord(row) : null;
  }

  /** Closes an open ask-back with the pick (an entry id, or null for "something else"); false if it was closed. */
  async close(ask: AskBackRecord, pickedFaqId: string | null): Promise<boolean> {
    const { count } = await this.db.askBack.updateMany({
      where: { id: ask.id, status: 'open' },
      data: {
        status: pickedFaqId ? 'picked' : 'handed_off',
        pickedFaqId,
        closedAt: this.services.now(),
      },
    });
    return count > 0;
  }
}

function toRecord(row: AskBackRecord): AskBackRecord {
  return {
    id: row.id,
    memberId: row.memberId,
    question: row.question,
    choices: [...row.choices],
    status: row.status,
    createdAt: row.createdAt,
  };
}
