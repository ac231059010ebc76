import { describe, expect, it } from 'vitest';
import { normalizeUpdate } from '../../adapters/telegram/normalize.ts';
import { CallbackCodec } from '../../adapters/telegram/render.ts';
import {
  BOT_ID,
  BOT_USERNAME,
  blockedBy,
  callbackQuery,
  channelChat,
  channelPost,
  editedText,
  groupChat,
  groupText,
  myChatMember,
  pollAnswer,
  privateText,
  user,
} from './updates.ts';

const me = { id: BOT_ID, username: BOT_USERNAME };
const codec = new CallbackCodec();
const normalize = (update: Record<string, unknown>, id = 42) =>
  normalizeUpdate({ update_id: id, ...update }, me, codec);
const eventOf = (update: Record<string, unknown>, id = 42) => {
  const result = normalize(update, id);
  if (!('event' in result)) throw new Error(`ignored: ${result.ignored}`);
  return result;
};

describe('telegram update → InboundEvent', () => {
  it('a private text message', () => {
    const { event } = eventOf(privateText(501, 'hello there'), 77);
    expect(event).toMatchObject({
      kind: 'message',
      id: `${BOT_ID}:77`,
      text: 'hello there',
      isDirect: true,
      mentionsBot: true,
      address: { platform: 'telegram', chatId: '501' },
      sender: { userId: '501', name: 'Ada', isBot: false },
      chat: { kind: 'direct' },
    });
    expect(event.at).toBeInstanceOf(Date);
  });

  it('a private command, with and without @ourname', () => {
    expect(eventOf(privateText(501, '/subscribe News')).event).toMatchObject({
      kind: 'command',
      name: 'subscribe',
      args: 'News',
    });
    expect(eventOf(privateText(501, `/Topics@${BOT_USERNAME}`)).event).toMatchObject({
      kind: 'command',
      name: 'topics',
      args: '',
    });
  });

  it('group commands: ours need an admin check, other bots’ are ignored', () => {
    const ours = eventOf(groupText(-100123, 501, `/register@${BOT_USERNAME} bakery`, { threadId: 9 }));
    expect(ours.event).toMatchObject({
      kind: 'command',
      name: 'register',
      args: 'bakery',
      isDirect: false,
      address: { chatId: '-100123', threadId: '9' },
      chat: { kind: 'group', title: 'Bakery friends' },
    });
    expect(ours.adminCheck).toEqual({ chatId: -100123, userId: 501 });
    expect(normalize(groupText(-100123, 501, '/start@some_other_bot'))).toEqual({
      ignored: 'command for another bot (/start@some_other_bot)',
    });
  });

  it('group messages say whether the bot was mentioned or replied to', () => {
    const plain = eventOf(groupText(-100123, 501, 'nice bread today')).event;
    expect(plain).toMatchObject({ kind: 'message', mentionsBot: false, isDirect: false });
    const text = `hey @${BOT_USERNAME} when do you open?`;
    const mention = groupText(-100123, 501, text, {
      extra: { entities: [{ type: 'mention', offset: 4, length: BOT_USERNAME.length + 1 }] },
    });
    expect(eventOf(mention).event).toMatchObject({ mentionsBot: true });
    const reply = groupText(-100123, 501, 'thanks', {
      extra: {
        reply_to_message: {
          message_id: 1,
          date: 1,
          chat: groupChat(-100123),
          from: { id: BOT_ID, is_bot: true, first_name: 'H' },
        },
      },
    });
    expect(eventOf(reply).event).toMatchObject({ mentionsBot: true });
  });

  it('an anonymous group admin speaks as the group, as its admin', () => {
    const chat = groupChat(-100123);
    const update = groupText(-100123, 1087968824, '/register', {
      extra: {
        from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
        sender_chat: chat,
      },
    });
    const result = eventOf(update);
    expect(result.event.sender).toMatchObject({ userId: '-100123', isChatAdmin: true, isBot: false });
    expect(result.adminCheck).toBeUndefined();
  });

  it('a channel post speaks as the channel, as its admin', () => {
    const { event } = eventOf(channelPost(-100777, '/register news-channel'));
    expect(event).toMatchObject({
      kind: 'command',
      name: 'register',
      args: 'news-channel',
      isDirect: false,
      address: { chatId: '-100777' },
      sender: { userId: '-100777', name: 'Bakery news', isChatAdmin: true },
      chat: { kind: 'channel', title: 'Bakery news' },
    });
  });

  it('edited messages are ignored (the original was answered)', () => {
    expect(normalize(editedText(501, '/subscribe news'))).toMatchObject({
      ignored: expect.stringContaining('edited'),
    });
  });

  it('a button press becomes an action and is to be answered', () => {
    const data = codec.encode('faq:helpful', 'yes');
    const result = eventOf(callbackQuery(501, data, 12));
    expect(result.event).toMatchObject({
      kind: 'action',
      actionId: 'faq:helpful',
      value: 'yes',
      messageId: '12',
      isDirect: true,
      address: { chatId: '501' },
    });
    expect(result.callbackQueryId).toBeTruthy();
    const long = codec.encode('poll:vote', 'x'.repeat(80));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(eventOf(callbackQuery(501, long)).event).toMatchObject({
      actionId: 'poll:vote',
      value: 'x'.repeat(80),
    });
    const expired = normalize(callbackQuery(501, '#unknownhash'));
    expect(expired).toMatchObject({
      ignored: 'button no longer known',
      answerText: 'This button has expired.',
    });
  });

  it('poll answers become votes; no option means retracted', () => {
    expect(eventOf(pollAnswer(501, '5432', [0, 2])).event).toMatchObject({
      kind: 'vote',
      pollRef: '5432',
      choice: { set: [0, 2] },
      sender: { userId: '501' },
    });
    expect(eventOf(pollAnswer(501, '5432', [])).event).toMatchObject({ kind: 'vote', choice: { set: [] } });
  });

  it('my_chat_member: blocked/unblocked in private chats, added/removed in groups and channels', () => {
    expect(eventOf(blockedBy(501)).event).toMatchObject({
      kind: 'member',
      change: 'blocked',
      isDirect: true,
      address: { chatId: '501' },
    });
    const unblock = myChatMember({ id: 501, type: 'private', first_name: 'Ada' }, 501, 'kicked', 'member');
    expect(eventOf(unblock).event).toMatchObject({ change: 'unblocked' });
    const added = eventOf(myChatMember(groupChat(-100123), 501, 'left', 'member')).event;
    expect(added).toMatchObject({ change: 'joined', aboutBot: true, chat: { kind: 'group' } });
    const removed = eventOf(myChatMember(channelChat(-100777), 501, 'administrator', 'left')).event;
    expect(removed).toMatchObject({ change: 'left', aboutBot: true, address: { chatId: '-100777' } });
    expect(normalize(myChatMember(groupChat(-100123), 501, 'member', 'administrator'))).toHaveProperty(
      'ignored',
    );
  });

  it('messages from bots and from ourselves are ignored', () => {
    const fromBot = privateText(501, 'hi', {});
    (fromBot.message as Record<string, unknown>).from = user(888, 'Spam', { is_bot: true });
    expect(normalize(fromBot)).toEqual({ ignored: 'message from another bot' });
    const own = groupText(-100123, BOT_ID, 'echo');
    expect(normalize(own)).toEqual({ ignored: 'our own message' });
  });

  it('malformed and unknown updates are ignored, never thrown', () => {
    const bad: unknown[] = [
      null,
      'text',
      {},
      { update_id: 'x' },
      { update_id: 1, message: 'nope' },
      { update_id: 1, message: { chat: { id: 'x' } } },
      { update_id: 1, message: { chat: { id: 5, type: 'private' }, text: 'no from' } },
      { update_id: 1, callback_query: { from: { id: 1 } } },
      { update_id: 1, poll_answer: { option_ids: [1] } },
      { update_id: 1, my_chat_member: { chat: { id: 1, type: 'private' } } },
      { update_id: 1, inline_query: { id: 'q', from: user(1), query: 'x', offset: '' } },
      { update_id: 1, message: { message_id: 1, date: 1, chat: groupChat(-1), from: user(2), sticker: {} } },
    ];
    for (const update of bad) expect(normalizeUpdate(update, me, codec)).toHaveProperty('ignored');
  });
});
