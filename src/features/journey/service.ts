import type { Services } from '../../app/context.ts';
import { type MemberFacts, readFacts, recordStage } from './facts.ts';

/** Something that reacts to a member's fresh facts (rewards, series enrollment). */
export type FactsListener = (memberId: string, facts: MemberFacts, at: Date) => Promise<void>;

/**
 * Keeps a member's journey in step with their recorded facts: after each of their events (and after
 * an owner records a fact about them) the stage is derived again and stored with its history, and
 * listeners (rewards, series) see the facts.
 */
export class JourneyService {
  private readonly listeners: FactsListener[] = [];

  constructor(private readonly services: Services) {}

  onFacts(listener: FactsListener): void {
    this.listeners.push(listener);
  }

  async sync(memberId: string): Promise<void> {
    const at = this.services.now();
    const facts = await readFacts(this.services.db, memberId);
    for (const listener of this.listeners) await listener(memberId, facts, at);
    // Listeners may have changed the level: read it again only if one did.
    const fresh = this.listeners.length > 0 ? await readFacts(this.services.db, memberId) : facts;
    const changed = await recordStage(this.services.db, memberId, fresh, at);
    if (changed) this.services.log.info({ memberId, stage: changed }, 'journey stage changed');
  }
}
