import { describe, expect, it } from 'vitest';
import { normalizeDispatch, parseHandle } from '../../adapters/discord/normalize.ts';
import { CustomIdCodec, discordPieces, escapeDiscord } from '../../adapters/discord/render.ts';
import { shownText } from '../fakes/discord-wire.ts';
import { RECORDED } from './payloads.ts';

const me = { botId: RECORDED.botId };
const codec = new CustomIdCodec();
const normalize = (t: unknown, d: unknown) => normalizeDispatch(t, d, me, codec);

describe('Discord gateway payloads → events', () => {
  it('a server message that @mentions the bot is a message to it, without the mention', () => {
    const result = normalize('MESSAGE_CREATE', RECORDED.guildMessage);
    expect(result).toMatchObject({
      event: {
        kind: 'message',
        id: RECORDED.guildMessage.id,
        text: 'do you have gluten-free bread?',
        isDirect: false,
        mentionsBot: true,
        address: { platform: 'discord', chatId: RECORDED.channelId },
        sender: { userId: RECORDED.user.id, name: 'Nelly', username: 'nelly', isBot: false },
      },
    });
  });

  it('a server message not addressed to the bot is ignored (its content is never read)', () => {
    expect(normalize('MESSAGE_CREATE', RECORDED.guildChatter)).toEqual({
      ignored: 'server message not addressed to the bot',
    });
    const withText = { ...RECORDED.guildChatter, content: 'hearth_bot is great' };
    expect('ignored' in normalize('MESSAGE_CREATE', withText)).toBe(true);
  });

  it('a DM is a direct message; "/cmd args" typed in a DM is a command', () => {
    expect(normalize('MESSAGE_CREATE', RECORDED.dmMessage)).toMatchObject({
      event: {
        kind: 'message',
        text: 'When are you open on Sunday?',
        isDirect: true,
        address: { chatId: RECORDED.dmChannelId },
      },
    });
    expect(normalize('MESSAGE_CREATE', { ...RECORDED.dmMessage, content: '/Subscribe news' })).toMatchObject({
      event: { kind: 'command', name: 'subscribe', args: 'news' },
    });
  });

  it("the bot's own messages and other bots' are ignored", () => {
    expect(normalize('MESSAGE_CREATE', RECORDED.botMessage)).toEqual({ ignored: 'message from a bot' });
  });

  it('a slash command is a command with a reply handle; a Manage Server member is a chat admin', () => {
    const result = normalize('INTERACTION_CREATE', RECORDED.commandInteraction);
    if (!('event' in result)) throw new Error(result.ignored);
    expect(result.event).toMatchObject({ kind: 'command', name: 'subscribe', args: 'news', isDirect: false });
    expect(result.event.sender.isChatAdmin).toBe(true);
    expect(result.interaction).toMatchObject({
      kind: 'command',
      ephemeral: true,
      id: RECORDED.commandInteraction.id,
    });
    const handle = parseHandle(result.event.replyHandle?.value ?? '');
    expect(handle).toMatchObject({
      i: RECORDED.commandInteraction.id,
      t: RECORDED.commandInteraction.token,
      k: 'command',
      e: true,
    });
    const noRights = {
      ...RECORDED.commandInteraction,
      member: { ...RECORDED.commandInteraction.member, permissions: '1024' },
    };
    const refused = normalize('INTERACTION_CREATE', noRights);
    expect('event' in refused && refused.event.sender.isChatAdmin).toBe(false);
  });

  it('a button press is an action with its id and value', () => {
    expect(normalize('INTERACTION_CREATE', RECORDED.buttonInteraction)).toMatchObject({
      event: {
        kind: 'action',
        actionId: 'support:helpful',
        value: 'faq-3',
        messageId: '1312543219876543111',
        isDirect: true,
      },
      interaction: { kind: 'component' },
    });
  });

  it('poll votes add and remove one answer (answer ids count from 1)', () => {
    expect(normalize('MESSAGE_POLL_VOTE_ADD', RECORDED.pollVoteAdd)).toMatchObject({
      event: {
        kind: 'vote',
        pollRef: RECORDED.pollVoteAdd.message_id,
        choice: { add: 1 },
        sender: { userId: RECORDED.user.id },
      },
    });
    expect(normalize('MESSAGE_POLL_VOTE_REMOVE', RECORDED.pollVoteRemove)).toMatchObject({
      event: { kind: 'vote', choice: { remove: 1 } },
    });
  });

  it('unknown or malformed dispatches are ignored with a reason, never thrown', () => {
    expect(normalize('GUILD_CREATE', RECORDED.guildCreate)).toEqual({
      ignored: 'dispatch GUILD_CREATE not used',
    });
    expect(normalize('TYPING_START', {})).toMatchObject({ ignored: expect.any(String) });
    expect(normalize('MESSAGE_CREATE', { ...RECORDED.dmMessage, author: null })).toMatchObject({
      ignored: expect.stringContaining('malformed'),
    });
    expect(normalize('INTERACTION_CREATE', { ...RECORDED.commandInteraction, token: '' })).toMatchObject({
      ignored: expect.stringContaining('malformed'),
    });
    expect(normalize('MESSAGE_POLL_VOTE_ADD', { ...RECORDED.pollVoteAdd, answer_id: 0 })).toMatchObject({
      ignored: expect.stringContaining('malformed'),
    });
    // A custom_id with an empty action id ("|", "|x") is no button of Hearth's (found by the fuzzer).
    for (const customId of ['|', '|faq-3']) {
      const press = {
        ...RECORDED.buttonInteraction,
        data: { ...RECORDED.buttonInteraction.data, custom_id: customId },
      };
      expect(normalize('INTERACTION_CREATE', press)).toMatchObject({ ignored: expect.any(String) });
    }
    expect(normalize(undefined, null)).toEqual({ ignored: 'malformed dispatch' });
  });
});

describe('Discord rendering of untrusted text', () => {
  it('masked links, mentions, @everyone and markdown are shown as written, never active', () => {
    const text =
      '[free bread](https://evil.example) <@123> @everyone **bold** `code` ||spoiler||\n# Heading\n> quote\n- item\n1. first';
    const escaped = escapeDiscord(text);
    expect(escaped).not.toContain('[free bread](');
    expect(escaped).not.toContain('<@123>');
    expect(escaped).toContain('\\@everyone');
    expect(escaped).toContain('\n\\# Heading');
    expect(escaped).toContain('1\\. first');
    expect(shownText(escaped)).toBe(text);
  });

  it('a long text escaped into pieces of at most 2,000 characters', () => {
    const text = '*_'.repeat(3000);
    const pieces = discordPieces(text);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(2000);
    expect(pieces.map(shownText).join('')).toBe(text);
  });
});
