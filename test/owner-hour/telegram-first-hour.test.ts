import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTelegramHearth, type TelegramHearth } from '../telegram/harness.ts';
import { BOT_TOKEN, groupChat, groupText, myChatMember, user } from '../telegram/updates.ts';

const GROUP = -1003000000071;
const ADMIN = 3071;
const CUSTOMER = 3072;

/** Issue 23 item 6 on Telegram: commands in photo captions; a re-added group that is still registered. */
describe.each(TEST_DATABASES)('Telegram in the owner’s first hour ($name)', (kind) => {
  let t: TelegramHearth;

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open());
    t.fake.setChatMember(GROUP, ADMIN, 'administrator');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a photo captioned with a command is that command, not a question for the owners', async () => {
    const caption = '/subscribe photos please';
    t.fake.pushUpdate(BOT_TOKEN, {
      message: {
        message_id: 77001,
        from: user(CUSTOMER),
        chat: { id: CUSTOMER, first_name: 'Ada', type: 'private' },
        date: Math.floor(Date.now() / 1000),
        photo: [{ file_id: 'photo-1', file_unique_id: 'p1', width: 90, height: 90, file_size: 1200 }],
        caption,
        caption_entities: [{ offset: 0, length: '/subscribe'.length, type: 'bot_command' }],
      },
    });
    await t.replyIn(CUSTOMER, 'There is no topic "photos"');
    expect(await t.app.hearth.services.db.handoff.count()).toBe(0);
  });

  it('re-added to a group that is still registered, the bot says so instead of asking to /register', async () => {
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, ADMIN, '/register cakes'));
    await t.replyIn(GROUP, 'community channel #cakes');
    t.fake.pushUpdate(BOT_TOKEN, myChatMember(groupChat(GROUP), ADMIN, 'left', 'member'));
    const hello = await t.replyIn(GROUP, 'Hello');
    expect(hello.text).toContain('still registered as the community channel #cakes');
    expect(hello.text).not.toContain('can send /register');
  });
});
