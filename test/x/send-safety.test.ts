/**
 * Fixes from the review of the X adapter, sending side: the pace of long DMs, resuming them on
 * another instance, retries after a lost or half-noted send, and 403s about the business account.
 * The REAL twitter-api-v2 against the fake X API on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterState, Versioned } from '../../src/core/adapter-state.ts';
import { PermanentError, TransientError } from '../../src/core/errors.ts';
import { FakeXApi } from '../fakes/x-api.ts';
import { MemoryAdapterState } from '../support/adapter-context.ts';
import { type StartedXAdapter, startXAdapter, xMessage } from './adapter-support.ts';
import { xUserId } from './harness.ts';

describe('X: sending safely (pace, resumption, duplicates, 403s)', () => {
  let fake: FakeXApi;
  let started: StartedXAdapter[] = [];
  beforeAll(async () => {
    fake = await FakeXApi.start();
  });
  afterEach(async () => {
    for (const s of started) await s.stop();
    started = [];
  });
  afterAll(async () => {
    await fake?.close();
  });
  const start = async (state?: AdapterState) => {
    const s = await startXAdapter(fake, state);
    started.push(s);
    return s;
  };

  it('takes a turn at X’s pace (beforeRequest) for each piece of a long DM', async () => {
    const { adapter } = await start();
    const user = xUserId('fixes-pace');
    const text = `${'a'.repeat(9_000)}\n\n${'b'.repeat(9_000)}\n\n${'c'.repeat(9_000)}`;
    const order: string[] = [];
    const sendDm = adapter.client.sendDm.bind(adapter.client);
    adapter.client.sendDm = async (participant, body) => {
      order.push('post');
      return sendDm(participant, body);
    };
    const beforeRequest = async () => {
      order.push('turn');
    };
    await adapter.send(xMessage('pace-1', user, text, { beforeRequest }));
    expect(fake.sent(user)).toHaveLength(3);
    expect(order).toEqual(['turn', 'post', 'turn', 'post', 'turn', 'post']);
  });

  it('does not take an earlier identical DM for the one an ambiguous failure lost', async () => {
    const { adapter } = await start();
    const user = xUserId('fixes-identical');
    const text = 'Sorry, I did not get that. Send /help to see what I can do.';
    await adapter.send(xMessage('same-1', user, text)); // delivered
    fake.failNext({ kind: 'server-error' }, { method: 'POST', path: `/with/${user}/messages` });
    await expect(adapter.send(xMessage('same-2', user, text))).rejects.toThrow(); // 503: not delivered
    const retry = await adapter.send(xMessage('same-2', user, text)); // the outbox's retry
    expect(fake.sent(user)).toHaveLength(2);
    expect(retry.messageId).toBe(fake.sent(user)[1]?.id);

    // The same text again, delivered this time though the answer was lost: found, not resent.
    fake.failNext({ kind: 'accepted-no-answer' }, { method: 'POST', path: `/with/${user}/messages` });
    await expect(adapter.send(xMessage('same-3', user, text))).rejects.toThrow();
    const found = await adapter.send(xMessage('same-3', user, text));
    expect(fake.sent(user)).toHaveLength(3);
    expect(found.messageId).toBe(fake.sent(user)[2]?.id);
  });

  it('resumes a multi-piece DM on another instance (or after a restart) after the pieces X has', async () => {
    const shared = new MemoryAdapterState(); // the database, shared by instances and over restarts
    const first = await start(shared);
    const user = xUserId('fixes-resume');
    const text = `${'first piece. '.repeat(700)}\n\n${'second piece. '.repeat(700)}`;
    const client = first.adapter.client;
    const sendDm = client.sendDm.bind(client);
    let calls = 0;
    client.sendDm = async (participant, body) => {
      const sent = await sendDm(participant, body);
      // The second POST gets a 503 (not delivered): only the first piece is on X.
      if (++calls === 1) fake.failNext({ kind: 'server-error' }, { method: 'POST', path: '/messages' });
      return sent;
    };
    await expect(first.adapter.send(xMessage('resume-1', user, text))).rejects.toThrow();
    expect(fake.sent(user)).toHaveLength(1);
    const second = await start(shared);
    await second.adapter.send(xMessage('resume-1', user, text));
    expect(fake.sent(user).map((m) => m.text.slice(0, 12))).toEqual(['first piece.', 'second piece']);
    expect(await shared.get('progress:resume-1')).toBeUndefined(); // cleared at the end
  });

  it('does not fail a send X accepted when storing the quota afterwards fails (no duplicate)', async () => {
    const memory = new MemoryAdapterState();
    let failQuotaWrite = false;
    const flaky: AdapterState = {
      get: <T>(key: string) => memory.get<T>(key) as Promise<Versioned<T> | undefined>,
      set: async <T>(key: string, value: T) => {
        if (failQuotaWrite && key === 'daily-send-quota') {
          failQuotaWrite = false;
          throw new Error('database connection lost');
        }
        return memory.set(key, value);
      },
      compareAndSet: (key, expected, value) => memory.compareAndSet(key, expected, value),
      delete: (key) => memory.delete(key),
    };
    const { adapter, log } = await start(flaky);
    const user = xUserId('fixes-quota-write');
    failQuotaWrite = true;
    const result = await adapter.send(xMessage('quota-1', user, 'Your order is ready.'));
    expect(result.messageId).toBe(fake.sent(user)[0]?.id);
    expect(fake.sent(user)).toHaveLength(1);
    expect(log.find('warn', 'DM sent, but')).toHaveLength(1);
  });

  it('a 403 about the business account (locked) is not "recipient gone"; the owners are told', async () => {
    const s = await start();
    const user = xUserId('fixes-locked');
    fake.failNext({ kind: 'account-forbidden', code: 326 }, { method: 'POST', path: `/with/${user}/` });
    const error = await s.adapter.send(xMessage('locked-1', user, 'Spring sale!', { broadcast: true })).then(
      () => undefined,
      (e: unknown) => e,
    );
    // recipientGone makes the core unsubscribe the recipient (consent ledger) for good.
    expect(error).toBeInstanceOf(TransientError);
    await fake.waitFor(() => s.ownerNotes.length > 0, 2000, 'a note to the owners');
    expect(s.ownerNotes[0]).toContain('X refuses DMs from the business account');
  });

  it('only a 403 about the recipient (349, or words naming them) is "recipient gone"', async () => {
    const { adapter } = await start();
    const user = xUserId('fixes-recipient-403');
    fake.failNext({ kind: 'recipient-forbidden' }, { method: 'POST', path: `/with/${user}/` });
    const gone = await adapter.send(xMessage('gone-1', user, 'Hi')).catch((e: unknown) => e);
    expect(gone instanceof PermanentError && gone.recipientGone).toBe(true);
    fake.failNext({ kind: 'account-forbidden', code: 226 }, { method: 'POST', path: `/with/${user}/` });
    const automated = await adapter.send(xMessage('gone-2', user, 'Hi')).catch((e: unknown) => e);
    expect(automated instanceof PermanentError && automated.recipientGone).toBe(false);
    expect(automated).toBeInstanceOf(TransientError);
  });
});
