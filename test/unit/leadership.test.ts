import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Leadership } from '../../src/app/leadership.ts';
import type { Database } from '../../src/db/database.ts';
import { LeaseStore } from '../../src/db/lease-store.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

const TTL_MS = 2000;

/** Work that runs until its signal aborts, counting how many of them run at once. */
function worker(state: { running: number; starts: string[] }, name: string) {
  return async (signal: AbortSignal) => {
    state.running++;
    state.starts.push(name);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    state.running--;
  };
}

describe.each(TEST_DATABASES)('singleton roles through leases ($name)', (kind) => {
  let database: Database;

  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());

  const instance = (holder: string, store = new LeaseStore(database.prisma)) =>
    new Leadership({ store, holder, ttlMs: TTL_MS, log: new CapturingLogger() });

  it('one instance holds a role; another takes over when it dies, never both at once', async () => {
    const state = { running: 0, starts: [] as string[] };
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, state.running);
    }, 5);
    const store = new LeaseStore(database.prisma);
    let dead = false;
    // A process that died: it never answers again (no renewal, no release).
    const dying = Object.assign(Object.create(store) as LeaseStore, {
      acquire: (name: string, holder: string, ttl: number) =>
        dead ? new Promise<boolean>(() => {}) : store.acquire(name, holder, ttl),
      release: async () => {},
    });
    const a = instance('a', dying);
    const b = instance('b');
    const roleA = a.hold('poller', worker(state, 'a'));
    await until(() => roleA.held, 'a holds the role');
    b.hold('poller', worker(state, 'b'));
    await new Promise((r) => setTimeout(r, TTL_MS * 2));
    expect(state.starts).toEqual(['a']);
    // a dies (no release, no more renewals): b takes over once a's lease has expired.
    const died = Date.now();
    dead = true;
    await until(() => state.starts.includes('b'), 'b takes over', 10_000);
    expect(Date.now() - died).toBeLessThan(TTL_MS * 3);
    clearInterval(watch);
    expect(most).toBe(1);
    await b.stop();
    expect(state.running).toBe(0);
  });

  it('a clean stop hands the role over at once', async () => {
    const state = { running: 0, starts: [] as string[] };
    const a = instance('c');
    const b = instance('d');
    const roleA = a.hold('gateway', worker(state, 'c'));
    await until(() => roleA.held, 'c holds it');
    const roleB = b.hold('gateway', worker(state, 'd'));
    await a.stop();
    await until(() => roleB.held, 'd holds it', TTL_MS);
    expect(await new LeaseStore(database.prisma).holderOf('gateway')).toBe('d');
    await b.stop();
  });

  it('cut off from the database, the holder stops its work before its lease can expire', async () => {
    const state = { running: 0, starts: [] as string[] };
    const store = new LeaseStore(database.prisma);
    let cut = false;
    const flaky = Object.assign(Object.create(store) as LeaseStore, {
      acquire: (name: string, holder: string, ttl: number) =>
        cut ? Promise.reject(new Error('connection refused')) : store.acquire(name, holder, ttl),
    });
    const a = instance('e', flaky);
    const role = a.hold('x-polling', worker(state, 'e'));
    await until(() => role.held, 'e holds it');
    cut = true;
    const cutAt = Date.now();
    await until(() => state.running === 0, 'the work stopped', 5_000);
    const stoppedAfter = Date.now() - cutAt;
    expect(stoppedAfter).toBeLessThan(TTL_MS); // before the lease (renewed at most TTL ago) runs out
    expect(role.held).toBe(false);
    // The lease is still there until it expires; then another instance can take the role.
    const b = instance('f');
    const roleB = b.hold('x-polling', worker(state, 'f'));
    await until(() => roleB.held, 'f takes it', 5_000);
    await a.stop();
    await b.stop();
  });

  it('work that ends by itself gives the role up and is started again after a pause', async () => {
    let runs = 0;
    const a = instance('g');
    const role = a.hold('flaky', async () => {
      runs++;
      throw new Error('gateway refused');
    });
    await until(() => runs >= 2, 'started again', 5_000);
    expect(role.held).toBe(false);
    await a.stop();
  });
});
