import { Leadership } from '../../src/app/leadership.ts';
import type { AdapterContext, EventSink, LeaderRole } from '../../src/core/adapter.ts';
import type { AdapterState, Versioned } from '../../src/core/adapter-state.ts';
import { InboundReceiver, type ReceiverOptions } from '../../src/core/receiver.ts';
import { AdapterStateStore } from '../../src/db/adapter-state-store.ts';
import type { Db } from '../../src/db/database.ts';
import { LeaseStore } from '../../src/db/lease-store.ts';
import { CapturingLogger } from './logger.ts';

/** AdapterState in memory, for adapter tests that run without a database. */
export class MemoryAdapterState implements AdapterState {
  private readonly values = new Map<string, Versioned<unknown>>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.values.get(key) as Versioned<T> | undefined;
  }

  async set<T>(key: string, value: T): Promise<number> {
    const version = (this.values.get(key)?.version ?? 0) + 1;
    this.values.set(key, { value: JSON.parse(JSON.stringify(value)), version });
    return version;
  }

  async compareAndSet<T>(key: string, expected: number | null, value: T): Promise<number | undefined> {
    if ((this.values.get(key)?.version ?? null) !== expected) return undefined;
    return this.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

export interface TestContextOptions extends Partial<Omit<ReceiverOptions, 'log'>> {
  /** Back the state and leases with this database (else in memory, the only instance). */
  db?: Db;
  /** This instance's name in leases (instances sharing `db` need different ones). */
  holder?: string;
  log?: CapturingLogger;
  /** Receives the adapter's notes to the owners (else they are kept in `ownerNotes`). */
  tellOwners?: (text: string, dedupeKey?: string) => Promise<void>;
  /** The business's topics the adapter sees (default: none). */
  topics?: () => Promise<string[]>;
  /** Hearth's votes per option for a native poll (AdapterContext.pollVotes; default: not given). */
  pollVotes?: (nativePollId: string) => Promise<number[] | undefined>;
}

/** An AdapterContext around `sink`, as Hearth builds one (short outage retries by default). */
export function adapterContext(sink: EventSink, options: TestContextOptions = {}): AdapterContext {
  const log = options.log ?? new CapturingLogger();
  const platform = options.platform ?? 'test';
  const memory = new Map<string, MemoryAdapterState>();
  const db = options.db;
  let leadership: Leadership | undefined;
  return {
    receiver: new InboundReceiver(sink, {
      platform,
      log,
      retryWaitsMs: options.retryWaitsMs ?? [20, 50, 100],
      ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    }),
    state: (account) => {
      if (db) return new AdapterStateStore(db, platform, account);
      const state = memory.get(account) ?? new MemoryAdapterState();
      memory.set(account, state);
      return state;
    },
    asLeader: (role, lead) => {
      if (!db) return leadAlone(role, lead);
      leadership ??= new Leadership({
        store: new LeaseStore(db),
        holder: options.holder ?? `test-${process.pid}`,
        ttlMs: 3000,
        log,
      });
      return leadership.hold(`${platform}:${role}`, lead);
    },
    tellOwners: options.tellOwners ?? (async () => {}),
    topics: options.topics ?? (async () => []),
    ...(options.pollVotes ? { pollVotes: options.pollVotes } : {}),
    log,
  };
}

/** Without a database: the only instance, so it always holds the role. */
function leadAlone(role: string, lead: (signal: AbortSignal) => Promise<void>): LeaderRole {
  const abort = new AbortController();
  const done = lead(abort.signal).catch(() => {});
  return {
    role,
    get held() {
      return !abort.signal.aborted;
    },
    async stop() {
      abort.abort();
      await done;
    },
  };
}
