import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../adapters/discord/index.ts';
import type { AdapterContext } from '../../src/core/adapter.ts';
import { RateLimitedError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import { discordUserId, dmChannelIdOf, dmMessage } from '../fakes/discord-wire.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { TEST_DATABASES, type TestDatabaseKind } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Discord gateway and the send guard (real discord.js, fake Discord)', {
  timeout: 90_000,
}, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setUp(options: { guardLimit?: number } = {}) {
    const fake = await FakeDiscordApi.start();
    cleanup.push(() => fake.close());
    const database: Database = await (TEST_DATABASES[0] as TestDatabaseKind).open();
    cleanup.push(() => database.close());
    const notes: string[] = [];
    const received: InboundEvent[] = [];
    const create = (holder: string) => {
      const log = new CapturingLogger();
      const adapter = new DiscordAdapter({ token: 't', apiUrl: fake.apiUrl, log, ...options });
      const context: AdapterContext = adapterContext(
        async (event) => {
          received.push(event);
          return { handled: true, enqueued: 0 };
        },
        {
          db: database.prisma,
          platform: 'discord',
          holder,
          log,
          tellOwners: async (text) => {
            notes.push(text);
          },
        },
      );
      cleanup.push(() => adapter.stop());
      return { adapter, context, log };
    };
    return { fake, notes, received, create };
  }

  it('a refused MESSAGE_CONTENT intent (4014) stops start-up with one clear line, and no login loop', async () => {
    const { fake, notes, create } = await setUp();
    fake.gateway.refuseIdentify(4014);
    const { adapter, context, log } = create('a');
    await expect(adapter.start(context)).rejects.toThrow(/Message Content Intent.*Developer Portal/);
    expect(log.entries.filter((e) => e.level === 'error' && e.msg.includes('4014'))).toHaveLength(1);
    expect(notes).toHaveLength(1);
    await pause(1500);
    expect(fake.gateway.identifies).toHaveLength(1);
  });

  it('with DISCORD_MESSAGE_CONTENT off the intent is not asked for, and start-up says what still works', async () => {
    const { fake, create } = await setUp();
    const adapter = new DiscordAdapter({
      token: 't',
      apiUrl: fake.apiUrl,
      log: new CapturingLogger(),
      messageContent: 'off',
    });
    const { context, log } = create('a');
    cleanup.push(() => adapter.stop());
    await adapter.start({ ...context, log });
    expect((fake.gateway.identifies[0]?.intents ?? 0) & (1 << 15)).toBe(0);
    expect(fake.gateway.identifies[0]?.intents).toBe(1 | (1 << 9) | (1 << 12) | (1 << 24) | (1 << 25));
  });

  it('one instance holds the gateway; another takes over when it stops', async () => {
    const { fake, received, create } = await setUp();
    const first = create('instance-a');
    const second = create('instance-b');
    await first.adapter.start(first.context);
    await second.adapter.start(second.context);
    expect(fake.gateway.identifies).toHaveLength(1);
    await first.adapter.stop();
    await until(() => fake.gateway.identifies.length === 2 && fake.gateway.connected, 'the takeover', 30_000);
    fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('zoe', 'still here?'));
    await until(
      () => received.find((e) => e.kind === 'message' && e.text === 'still here?'),
      'the event after takeover',
    );
  });

  it('the guard pauses every send after too many 401/403/429 answers and tells the owners once', async () => {
    const { fake, notes, create } = await setUp({ guardLimit: 3 });
    const { adapter, context } = create('a');
    await adapter.start(context);
    const send = (user: string) =>
      adapter
        .send({
          id: `g-${user}`,
          to: { platform: 'discord', chatId: dmChannelIdOf(discordUserId(user)) },
          text: 'hi',
        })
        .catch((e: unknown) => e);
    for (const user of ['g1', 'g2', 'g3']) {
      fake.failNext({ kind: 'cannot-dm' }, '/messages');
      await send(user);
    }
    const posts = fake.calls.filter((c) => c.method === 'POST').length;
    const refused = await send('g4');
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).pausesPlatform).toBe(true);
    expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(9 * 60_000);
    expect(fake.calls.filter((c) => c.method === 'POST').length).toBe(posts);
    await until(() => notes.length === 1, 'the note to the owners');
    expect(notes[0]).toMatch(/Discord sends are paused/);
  });
});
