import { FakeXApi, type XFakeFailure } from '../fakes/x-api.ts';
import { createXAdapter, xUserId } from '../x/harness.ts';
import { adapterContract } from './adapter-contract.ts';

/** The real twitter-api-v2 against the fake X API, receiving by polling GET /2/dm_events. */
adapterContract(
  'x',
  async () => {
    const fake = await FakeXApi.start();
    const adapter = await createXAdapter(fake);
    const failures: Record<string, (f: { retryAfterSeconds?: number }) => XFakeFailure> = {
      'rate-limited': (f) => ({ kind: 'rate-limited', retryAfterSeconds: f.retryAfterSeconds ?? 1 }),
      'recipient-gone': () => ({ kind: 'recipient-forbidden' }),
      'server-error': () => ({ kind: 'server-error' }),
    };
    return {
      adapter,
      directChat: (userId) => ({ platform: 'x', chatId: xUserId(userId) }),
      platformUserId: xUserId,
      async userSays(userId, text) {
        fake.userSays(xUserId(userId), text);
      },
      async delivered(address) {
        return fake.sent(address.chatId).map((m) => ({ text: m.text }));
      },
      failNextSend(failure) {
        const make = failures[failure.kind];
        if (make) fake.failNext(make(failure as { retryAfterSeconds?: number }), { method: 'POST' });
      },
      close: () => fake.close(),
    };
  },
  { failures: true, pulls: true },
);
