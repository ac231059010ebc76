import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { resolveTargets, unknownTargetsError } from '../../src/features/channels/targets.ts';
import { TEST_DATABASES } from '../support/databases.ts';

/** The topic/#channel resolution broadcasts and polls share. */
describe.each(TEST_DATABASES)('community targets ($name)', (kind) => {
  let database: Database;
  let general = '';
  let slackRoom = '';
  beforeAll(async () => {
    database = await kind.open();
    const db = database.prisma;
    await db.topic.createMany({ data: [{ name: 'offers' }, { name: 'news' }] });
    general = (
      await db.channel.create({ data: { platform: 'console', chatId: '#general', name: 'general' } })
    ).id;
    slackRoom = (await db.channel.create({ data: { platform: 'slack', chatId: 'CROOM42' } })).id;
    await db.channel.create({ data: { platform: 'telegram', chatId: '-100', name: 'gone', active: false } });
  });
  afterAll(async () => database?.close());

  it('matches topics and active channels by name or chat id, ignoring case, each once', async () => {
    const resolved = await resolveTargets(database.prisma, [
      'NEWS',
      '#General',
      '#croom42',
      'news',
      '#general',
    ]);
    expect(resolved.topics).toEqual(['news']);
    expect(resolved.channelIds).toEqual([general, slackRoom]);
    expect(resolved.unknown).toEqual([]);
  });

  it('collects unknown targets (an inactive channel too) and names the known ones in either order', async () => {
    const resolved = await resolveTargets(database.prisma, ['sports', '#gone', 'offers']);
    expect(resolved.topics).toEqual(['offers']);
    expect(resolved.unknown).toEqual(['sports', '#gone']);
    expect(resolved.knownTopics).toEqual(['news', 'offers']);
    expect([...resolved.knownChannels].sort()).toEqual(['#CROOM42', '#general']);
    expect(unknownTargetsError(resolved, 'topics first').message).toMatch(
      /^I don't know sports, #gone\. Topics and channels: news, offers, #/,
    );
    expect(unknownTargetsError(resolved, 'channels first').message).toMatch(
      /^I don't know sports, #gone\. Channels and topics: #.*, news, offers\.$/,
    );
  });
});
