import { randomUUID } from 'node:crypto';
import { AdapterStateStore } from '../db/adapter-state-store.ts';
import type { Db } from '../db/database.ts';

/** An owner command held back until an owner presses "Post" under its preview. */
export interface OwnerDraft {
  command: string;
  args: string;
  by: string;
  at: string;
}

/** How long a preview's "Post" button stays good. */
const DRAFT_TTL_MS = 24 * 3_600_000;

/**
 * Previewed owner commands waiting for "Post", in the database (any instance may get the press;
 * a restart loses nothing). Kept in the key-value `adapter_state` table under `hearth/owner-drafts`.
 */
export class OwnerDrafts {
  private readonly store: AdapterStateStore;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {
    this.store = new AdapterStateStore(db, 'hearth', 'owner-drafts');
  }

  async save(command: string, args: string, by: string): Promise<string> {
    const id = randomUUID();
    await this.store.set<OwnerDraft>(id, { command, args, by, at: this.now().toISOString() });
    return id;
  }

  /** Takes the draft for posting: only one press wins; null when posted, cancelled or expired. */
  async take(id: string): Promise<OwnerDraft | null> {
    const found = await this.store.get<OwnerDraft>(id);
    if (!found) return null;
    const { count } = await this.db.adapterState.deleteMany({
      where: { platform: 'hearth', account: 'owner-drafts', key: id, version: found.version },
    });
    if (count !== 1) return null;
    const age = this.now().getTime() - Date.parse(found.value.at);
    return age <= DRAFT_TTL_MS ? found.value : null;
  }

  async discard(id: string): Promise<boolean> {
    return (await this.take(id)) !== null;
  }
}
