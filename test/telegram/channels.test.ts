import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTelegramHearth, type TelegramHearth } from './harness.ts';
import {
  BOT_TOKEN,
  BOT_USERNAME,
  channelChat,
  channelPost,
  groupText,
  myChatMember,
  privateText,
} from './updates.ts';

const GROUP = -1003000000001;
const OTHER_GROUP = -1003000000002;
const CHANNEL = -1003000000003;
const ADMIN = 3001;
const NOT_ADMIN = 3002;

describe.each(TEST_DATABASES)('community channels on Telegram ($name)', (kind) => {
  let t: TelegramHearth;
  const channels = () => t.app.hearth.services.db.channel.findMany({ orderBy: { createdAt: 'asc' } });

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open());
    t.fake.setChatMember(GROUP, ADMIN, 'administrator');
    t.fake.setChatMember(OTHER_GROUP, ADMIN, 'creator');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a group member who is not an admin cannot register the group', async () => {
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, NOT_ADMIN, `/register@${BOT_USERNAME} bakery`));
    await t.replyIn(GROUP, 'Only an admin of this chat can register it.');
    expect(await channels()).toEqual([]);
    expect(t.fake.calls.some((c) => c.method === 'getChatMember')).toBe(true);
  });

  it('an admin registers the group (checked with getChatMember) under a name', async () => {
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, ADMIN, `/register@${BOT_USERNAME} Bakery Friends`));
    await t.replyIn(GROUP, 'community channel #bakery');
    expect(await channels()).toMatchObject([
      {
        platform: 'telegram',
        chatId: String(GROUP),
        threadId: '',
        name: 'bakery',
        kind: 'group',
        title: 'Bakery friends',
        active: true,
      },
    ]);
  });

  it('a name already used by another chat is refused', async () => {
    t.fake.pushUpdate(BOT_TOKEN, groupText(OTHER_GROUP, ADMIN, '/register bakery'));
    await t.replyIn(OTHER_GROUP, 'is taken by another channel');
    expect(await channels()).toHaveLength(1);
  });

  it('a channel registers itself with a /register post, named after its title', async () => {
    t.fake.pushUpdate(BOT_TOKEN, channelPost(CHANNEL, '/register'));
    await t.replyIn(CHANNEL, 'community channel #bakery-news');
    const channel = (await channels()).find((c) => c.chatId === String(CHANNEL));
    expect(channel).toMatchObject({ kind: 'channel', name: 'bakery-news', active: true });
  });

  it('/register in a private chat explains where to send it', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(ADMIN, '/register'));
    await t.replyIn(ADMIN, 'in the group or channel itself');
  });

  it('owners list the channels with /hearth channels', async () => {
    const res = await t.app.post('/console/api/messages', {
      platform: 'slack',
      userId: 'owner-1',
      chatId: '#owners',
      text: '/hearth channels',
    });
    expect(res.status).toBe(200);
    const text = (res.body as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
    expect(text).toContain('#bakery - group "Bakery friends"');
    expect(text).toContain('#bakery-news - channel');
  });

  it('the bot removed from the channel deactivates it; /unregister deactivates the group', async () => {
    t.fake.pushUpdate(BOT_TOKEN, myChatMember(channelChat(CHANNEL), ADMIN, 'administrator', 'left'));
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, ADMIN, '/unregister'));
    await t.replyIn(GROUP, 'no longer a community channel');
    const deadline = Date.now() + 10_000;
    while ((await channels()).some((c) => c.active) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await channels()).map((c) => [c.name, c.active])).toEqual([
      ['bakery', false],
      ['bakery-news', false],
    ]);
  });
});
