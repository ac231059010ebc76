import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import { commandInteraction, FAKE_CHANNEL_ID, MANAGE_GUILD } from '../fakes/discord-wire.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { type DiscordHearth, OWNER, OWNERS, startDiscordHearth } from './harness.ts';

/** The database as Hearth sees it, except that stopping Hearth leaves it open (a restart). */
function surviving(database: Database): Database {
  return new Proxy(database, {
    get(target, property) {
      if (property === 'close') return async () => {};
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function ownerSays(t: DiscordHearth, text: string): Promise<void> {
  const [, name = '', args = ''] = /^\/(\w+)\s*(.*)$/.exec(text) ?? [];
  await t.app.hearth.bot.dispatch({
    kind: 'command',
    id: `owner-${Math.random()}`,
    at: new Date(),
    address: { platform: 'slack', chatId: OWNERS },
    sender: { userId: OWNER, name: 'Owner', isBot: false, isOwner: true },
    isDirect: false,
    name,
    args,
    text,
  });
}

describe.each(TEST_DATABASES)('Discord across a restart of Hearth ($name)', (kind) => {
  const closing: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close().catch(() => {});
  });

  it('a vote before the restart and one after it both count; the poll then closes on Discord', {
    timeout: 240_000,
  }, async () => {
    const database = await kind.open();
    closing.push(() => database.close());
    const fake = await FakeDiscordApi.start();
    closing.push(() => fake.close());
    const first = await startDiscordHearth(surviving(database), { fake });
    const register = commandInteraction(
      'ann',
      'register',
      { name: 'bakery' },
      { guild: true, permissions: MANAGE_GUILD },
    );
    fake.gateway.dispatch('INTERACTION_CREATE', register);
    await until(
      () => database.prisma.channel.findFirst({ where: { platform: 'discord', name: 'bakery' } }),
      'the channel',
    );
    await ownerSays(first, '/hearth poll "Croissants or scones?" "Croissants" "Scones" --to #bakery --now');
    const message = await fake.waitFor(
      () => fake.sent(FAKE_CHANNEL_ID).find((m) => m.poll),
      'the native poll',
    );
    const poll = await database.prisma.poll.findFirstOrThrow({
      where: { question: 'Croissants or scones?' },
    });
    fake.vote('bea', message.id, 1, true);
    await until(
      () => database.prisma.vote.findFirst({ where: { pollId: poll.id } }),
      'the first vote',
      60_000,
    );
    await first.stop();

    const second = await startDiscordHearth(surviving(database), { fake });
    closing.push(() => second.stop());
    fake.vote('cal', message.id, 2, true);
    fake.vote('bea', message.id, 1, false);
    fake.vote('bea', message.id, 2, true);
    const tally = async () => {
      const votes = await database.prisma.vote.findMany({ where: { pollId: poll.id } });
      return [0, 1].map((i) => votes.filter((v) => v.optionIdx === i).length);
    };
    await until(async () => JSON.stringify(await tally()) === '[0,2]', 'the tally after the restart', 60_000);
    // A vote Discord counted but never sent Hearth: its final counts disagree with Hearth's.
    fake.message(message.id)?.poll?.votes.set('4242', new Set([1]));
    await ownerSays(second, `/hearth poll close ${poll.id.slice(0, 8)}`);
    await fake.waitFor(() => fake.message(message.id)?.poll?.finalized, 'the poll ended on Discord');
    const note = await until(
      () => second.slack.messages(OWNERS).find((m) => m.text.includes('final counts')),
      'the owners told of the difference',
      60_000,
    );
    expect(note.text).toContain('Discord 1 / 2, Hearth 0 / 2');
    expect(await tally()).toEqual([0, 2]);
    expect(fake.gateway.identifies).toHaveLength(2);
  });
});
