import type { Services } from '../../app/context.ts';
import { type MemberFacts, readFacts, recordStage } from './facts.ts';

/**
 * Something that reacts to a person's fresh facts (rewards, series enrollment); true when it changed
 * them. `personKey` names the person (facts.memberIds are their linked members).
 */
export type FactsListener = (personKey: string, facts: MemberFacts, at: Date) => Promise<boolean>;

/**
 * Keeps a person's journey in step with their recorded facts: after each of their events (and after
 * an owner records a fact about them) the stage is derived again and stored with its history, and
 * listeners (rewards, series) see the facts.
 */
export class JourneyService {
  private readonly listeners: FactsListener[] = [];

  constructor(private readonly services: Services) {}

  onFacts(listener: FactsListener): void {
    this.listeners.push(listener);
  }

  /** Derives again the journey of the person `memberId` belongs to (every linked member's facts). */
  async sync(memberId: string): Promise<void> {
    const at = this.services.now();
    const facts = await readFacts(this.services.db, memberId);
    const key = facts.personKey;
    let changed = false;
    for (const listener of this.listeners) if (await listener(key, facts, at)) changed = true;
    // A listener changed the facts (a level reached): read them again.
    const fresh = changed ? await readFacts(this.services.db, key) : facts;
    const stage = await recordStage(this.services.db, key, fresh, at);
    if (stage) this.services.log.info({ memberId: key, stage }, 'journey stage changed');
  }
}
