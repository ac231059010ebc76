import type { Platform } from '../../core/events.ts';

/** Records the support feature's parts share (so render.ts needs none of the services). */

/** A handed-off question, as stored. */
export interface HandoffRecord {
  id: string;
  memberId: string;
  platform: Platform;
  chatId: string;
  threadId: string | null;
  question: string;
  matchedFaqId: string | null;
  confidence: number | null;
  candidateIds: string[];
  reason: string;
  urgent: boolean;
  status: string;
  ownerChannelId: string | null;
  ownerThreadId: string | null;
  createdAt: Date;
  firstAnsweredAt: Date | null;
}

/** A customer's wording waiting to become an alternative of an FAQ entry. */
export interface PhrasingCandidate {
  id: string;
  faqId: string;
  text: string;
  source: string;
  confirmations: number;
  status: string;
}
