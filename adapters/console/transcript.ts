import type { Button, PollContent } from '../../src/core/outbound.ts';

/** One line of the console's transcript: a message in or out. */
export interface TranscriptEntry {
  seq: number;
  direction: 'in' | 'out';
  platform: string;
  chatId: string;
  threadId?: string;
  /** Direct chat with a user (as opposed to a community channel). */
  isDirect: boolean;
  userName?: string;
  text: string;
  buttons?: Button[][];
  poll?: PollContent & { nativePollId?: string };
  blocks?: unknown[];
  /** A sent file; `contentBase64` when small enough for the page to offer as a download. */
  file?: { name: string; mimeType: string; sizeBytes: number; contentBase64?: string };
  messageId?: string;
  editOf?: string;
  stoppedPoll?: string;
  correlationId?: string;
  at: string;
}

interface Waiter {
  correlationId: string;
  count: number;
  resolve: (entries: TranscriptEntry[]) => void;
}

const MAX_ENTRIES = 2000;
/** The bytes of this many latest files are kept for download; older entries keep name and size only. */
const MAX_HELD_FILES = 20;

/** A bounded log of what the console saw and sent, with waits for a given event's replies. */
export class Transcript {
  private entries: TranscriptEntry[] = [];
  private seq = 0;
  private waiters: Waiter[] = [];
  private heldFiles: TranscriptEntry[] = [];

  add(entry: Omit<TranscriptEntry, 'seq' | 'at'>): TranscriptEntry {
    const full = { ...entry, seq: ++this.seq, at: new Date().toISOString() };
    this.entries.push(full);
    if (full.file?.contentBase64 !== undefined) {
      this.heldFiles.push(full);
      const dropped = this.heldFiles.length > MAX_HELD_FILES ? this.heldFiles.shift() : undefined;
      if (dropped?.file) delete dropped.file.contentBase64;
    }
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES);
    this.waiters = this.waiters.filter((waiter) => {
      const replies = this.repliesTo(waiter.correlationId);
      if (replies.length < waiter.count) return true;
      waiter.resolve(replies);
      return false;
    });
    return full;
  }

  after(seq: number, filter: (e: TranscriptEntry) => boolean = () => true): TranscriptEntry[] {
    return this.entries.filter((e) => e.seq > seq && filter(e));
  }

  repliesTo(correlationId: string): TranscriptEntry[] {
    return this.entries.filter((e) => e.direction === 'out' && e.correlationId === correlationId);
  }

  /** Resolves with the replies to an event once `count` have arrived, or with what is there after `timeoutMs`. */
  waitForReplies(correlationId: string, count: number, timeoutMs: number): Promise<TranscriptEntry[]> {
    const now = this.repliesTo(correlationId);
    if (now.length >= count) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = { correlationId, count, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(this.repliesTo(correlationId));
      }, timeoutMs);
      waiter.resolve = (entries) => {
        clearTimeout(timer);
        resolve(entries);
      };
      this.waiters.push(waiter);
    });
  }
}
