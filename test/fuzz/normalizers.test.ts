/**
 * Property-based tests of every seam where outside payloads become events: Telegram updates, Slack
 * slash commands / messages / button presses / modal submissions, the console API's requests, the
 * core's command parser and its text cleaning. Arbitrary values and real payloads with random edits
 * never throw out of the seam, never produce an event with an empty id, and never carry a text that
 * is not a string. Case counts per target: RUNS in arbitraries.ts (printed at the end).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleHub } from '../../adapters/console/hub.ts';
import { actionRequest, messageRequest, parseBody, voteRequest } from '../../adapters/console/requests.ts';
import { normalizeDispatch, parseHandle } from '../../adapters/discord/normalize.ts';
import { CustomIdCodec, escapeDiscord } from '../../adapters/discord/render.ts';
import {
  normalizeBlockActions,
  normalizeMessage,
  normalizeSlashCommand,
  normalizeViewSubmission,
} from '../../adapters/slack/normalize.ts';
import { normalizeUpdate } from '../../adapters/telegram/normalize.ts';
import { CallbackCodec } from '../../adapters/telegram/render.ts';
import { normalizeDmEvent } from '../../adapters/x/normalize.ts';
import { accountDmsOf } from '../../adapters/x/webhook.ts';
import { cleanEvent, INBOUND_LIMITS } from '../../src/core/clean-text.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { type InboundEvent, PLATFORMS, parseCommand } from '../../src/core/events.ts';
import { InboundReceiver } from '../../src/core/receiver.ts';
import {
  buttonInteraction,
  commandInteraction,
  dmMessage,
  FAKE_BOT,
  guildMessage,
  shownText,
} from '../fakes/discord-wire.ts';
import { CapturingLogger } from '../support/logger.ts';
import {
  blockedBy,
  callbackQuery,
  channelPost,
  editedText,
  groupChat,
  groupText,
  myChatMember,
  pollAnswer,
  privateText,
} from '../telegram/updates.ts';
import {
  anyValue,
  assertEventShape,
  check,
  checkAsync,
  hostileString,
  mutated,
  printCounts,
  RUNS,
} from './arbitraries.ts';

afterAll(() => printCounts('normalizers'));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** After the core's cleaning: still a valid event, and every string storable (no NUL, well-formed). */
function assertClean(event: InboundEvent): void {
  const cleaned = cleanEvent(event);
  assertEventShape(cleaned);
  const strings: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (key === 'raw') return;
    if (typeof value === 'string') strings.push(value);
    else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(cleaned, '');
  for (const s of strings) {
    if (s.includes('\u0000') || LONE_SURROGATE.test(s)) throw new Error(`not storable: ${JSON.stringify(s)}`);
    if (s.length > INBOUND_LIMITS.text) throw new Error(`longer than the limit: ${s.length}`);
  }
}

describe('Telegram updates (normalizeUpdate)', () => {
  const me = { id: 7000001, username: 'hearth_test_bot' };
  const codec = new CallbackCodec();
  const samples = [
    privateText(42, 'When are you open?'),
    privateText(42, '/subscribe news'),
    groupText(-100123, 42, '/hearth_test_bot@hearth_test_bot help'),
    groupText(-100123, 42, 'hi @hearth_test_bot', { threadId: 7 }),
    channelPost(-100999, '/subscribe news'),
    editedText(42, 'edited'),
    callbackQuery(42, codec.encode('support:helpful', 'faq-1')),
    callbackQuery(42, codec.encode('poll.vote', `${'x'.repeat(80)}:1`)),
    pollAnswer(42, 'poll-1', [0, 2]),
    myChatMember(groupChat(-100123), 42, 'left', 'member'),
    blockedBy(42),
  ].map((update, i) => ({ update_id: 1000 + i, ...update }));

  const property = (update: unknown) => {
    const result = normalizeUpdate(update, me, codec);
    if ('event' in result) {
      assertEventShape(result.event);
      assertClean(result.event);
    } else {
      expect(typeof result.ignored).toBe('string');
    }
  };

  it('takes any value without throwing', () => {
    check('telegram: arbitrary update', anyValue, property, RUNS.arbitrary);
    check(
      'telegram: arbitrary fields under update_id',
      fc
        .dictionary(
          fc.constantFrom(
            'message',
            'channel_post',
            'callback_query',
            'poll_answer',
            'my_chat_member',
            'edited_message',
          ),
          anyValue,
        )
        .map((d) => ({ update_id: 1, ...d })),
      property,
      RUNS.arbitrary,
    );
  });

  it('takes real updates with random edits', () => {
    check('telegram: mutated real updates', mutated(samples), property, RUNS.mutated);
  });

  it('takes any text, name and button data in otherwise real updates', () => {
    const fields = fc.record({ text: hostileString, name: hostileString, data: hostileString });
    check(
      'telegram: hostile texts, names and callback data',
      fields.chain(({ text, name, data }) =>
        fc.constantFrom(
          { update_id: 1, ...privateText(42, text, {}) },
          {
            update_id: 2,
            message: {
              ...(privateText(42, text).message as object),
              from: { id: 42, is_bot: false, first_name: name },
            },
          },
          { update_id: 3, ...groupText(-100123, 42, `/${text}`) },
          { update_id: 4, ...callbackQuery(42, data) },
        ),
      ),
      property,
      RUNS.mutated,
    );
  });
});

describe('Slack payloads (normalize.ts)', () => {
  const now = new Date('2026-06-01T10:00:00Z');
  const slash = {
    command: '/hearth',
    text: 'stats week &amp; more',
    user_id: 'U1',
    user_name: 'ann',
    channel_id: 'COWNERS',
    channel_name: 'owners',
    trigger_id: '123.456.abc',
    response_url: 'https://hooks.slack.com/commands/x',
    token: 'legacy',
    team_id: 'T1',
  };
  const message = {
    type: 'message',
    channel: 'C1',
    channel_type: 'channel',
    user: 'U2',
    text: '<@UBOT> hi &lt;there&gt;',
    ts: '1700000000.000100',
    thread_ts: '1700000000.000001',
  };
  const actions = {
    type: 'block_actions',
    trigger_id: 'trig-1',
    user: { id: 'U3', username: 'bo', name: 'Bo' },
    channel: { id: 'C1', name: 'general' },
    container: { type: 'message', message_ts: '1700000000.000200', channel_id: 'C1', thread_ts: '1.2' },
    message: { type: 'message', ts: '1700000000.000200', thread_ts: '1.2', text: '' },
    actions: [
      { type: 'button', action_id: 'support:resolve#0', value: 'h-1', action_ts: '1700000001.1' },
      {
        type: 'static_select',
        action_id: 'pick',
        selected_option: { value: 'b' },
        action_ts: '1700000001.2',
      },
    ],
  };
  const view = {
    type: 'view_submission',
    trigger_id: 'trig-2',
    user: { id: 'U4', username: 'cy' },
    view: {
      id: 'V1',
      callback_id: 'hearth.faq.add',
      private_metadata: '{"channel":"COWNERS"}',
      state: {
        values: {
          b1: { question: { type: 'plain_text_input', value: 'Q?' } },
          b2: { topics: { type: 'multi_static_select', selected_options: [{ value: 'news' }] } },
        },
      },
    },
  };

  const one = (event: InboundEvent | null) => {
    if (!event) return;
    assertEventShape(event);
    assertClean(event);
  };
  const targets: [string, unknown, (value: unknown) => void][] = [
    ['slack: slash commands', slash, (v) => one(normalizeSlashCommand(v, now, 'COWNERS'))],
    ['slack: message events', message, (v) => one(normalizeMessage(v, 'Ev1', 'UBOT', now))],
    ['slack: block_actions', actions, (v) => normalizeBlockActions(v, now).forEach(one)],
    ['slack: view_submission', view, (v) => one(normalizeViewSubmission(v, now))],
  ];

  for (const [target, sample, property] of targets) {
    it(`${target}: any value and the real payload with random edits, without throwing`, () => {
      expect(() => property(sample)).not.toThrow();
      check(`${target} (arbitrary)`, anyValue, property, RUNS.arbitrary);
      check(`${target} (mutated)`, mutated([sample]), property, RUNS.mutated);
    });
  }

  it('the real payloads still become the events they were', () => {
    expect(normalizeSlashCommand(slash, now, 'COWNERS')).toMatchObject({
      name: 'hearth',
      args: 'stats week & more',
    });
    expect(normalizeMessage(message, 'Ev1', 'UBOT', now)).toMatchObject({
      text: 'hi <there>',
      mentionsBot: true,
    });
    expect(normalizeBlockActions(actions, now).map((e) => [e.actionId, e.value])).toEqual([
      ['support:resolve', 'h-1'],
      ['pick', 'b'],
    ]);
    expect(normalizeViewSubmission(view, now)).toMatchObject({
      actionId: 'hearth.faq.add',
      address: { chatId: 'COWNERS' },
    });
  });
});

describe('the console API (requests.ts + the hub)', () => {
  const hub = new ConsoleHub(100);
  const seen: InboundEvent[] = [];
  for (const platform of PLATFORMS) {
    const receiver = new InboundReceiver(
      async (event) => {
        seen.push(event);
        return { handled: true, enqueued: 0 };
      },
      { platform, log: new CapturingLogger() },
    );
    hub.register(platform, { receiver, ownersChatId: '#owners' });
  }
  const valid = [
    { platform: 'telegram', userId: 'alice', name: 'Alice', text: 'hello' },
    {
      platform: 'slack',
      userId: 'U1',
      chatId: '#owners',
      threadId: '12',
      text: '/hearth stats',
      isChatAdmin: true,
    },
    { platform: 'discord', userId: 'bob', chatId: '#general', eventId: 'e-1', text: '/subscribe news' },
  ];
  const validActions = [{ platform: 'x', userId: 'x', actionId: 'poll.vote', value: 'p:1', messageId: 'm1' }];
  const validVotes = [{ platform: 'telegram', userId: 'y', pollRef: 'poll-1', optionIds: [0, 1] }];

  /** The request is refused with a ValidationError (a 400), or becomes a well-formed event. */
  async function through(kind: 'message' | 'action' | 'vote', body: unknown): Promise<void> {
    const before = seen.length;
    try {
      if (kind === 'message') await hub.message(parseBody(messageRequest, body));
      else if (kind === 'action') await hub.action(parseBody(actionRequest, body));
      else await hub.vote(parseBody(voteRequest, body));
    } catch (error) {
      if (error instanceof ValidationError) return;
      throw error;
    }
    const event = seen[before];
    if (!event) throw new Error('accepted, but no event reached the core');
    assertEventShape(event);
    assertClean(event);
  }

  it('messages, actions and votes: any body, and real requests with random edits', async () => {
    await checkAsync(
      'console: arbitrary message bodies',
      anyValue,
      (b) => through('message', b),
      RUNS.arbitrary,
    );
    await checkAsync(
      'console: mutated message requests',
      mutated(valid),
      (b) => through('message', b),
      RUNS.mutated,
    );
    await checkAsync(
      'console: mutated action requests',
      mutated(validActions),
      (b) => through('action', b),
      RUNS.mutated,
    );
    await checkAsync(
      'console: mutated vote requests',
      mutated(validVotes),
      (b) => through('vote', b),
      RUNS.mutated,
    );
    expect(seen.length).toBeGreaterThan(0);
  });
});

describe('the core: command parsing and inbound cleaning', () => {
  it('parseCommand takes any text; a command has a non-empty lower-case name and string args', () => {
    check(
      'core: parseCommand',
      fc.oneof(
        hostileString,
        hostileString.map((s) => `/${s}`),
      ),
      (text) => {
        const parsed = parseCommand(text);
        if (!parsed) return;
        expect(parsed.name).toMatch(/^[a-z0-9_]+$/);
        expect(typeof parsed.args).toBe('string');
      },
      RUNS.parser,
    );
  });

  it('cleanEvent turns any field value into storable strings of the right kind', () => {
    const field = fc.oneof(hostileString, anyValue);
    const event = fc
      .record({
        kind: fc.constantFrom('message', 'command', 'action', 'vote', 'member'),
        id: hostileString.filter((s) => s.length > 0),
        chatId: hostileString.filter((s) => s.length > 0),
        userId: hostileString.filter((s) => s.length > 0),
        name: field,
        text: field,
        args: field,
        value: field,
      })
      .map(
        (f) =>
          ({
            kind: f.kind,
            id: f.id,
            at: new Date(0),
            address: { platform: 'console', chatId: f.chatId },
            sender: { userId: f.userId, name: f.name, isBot: false },
            isDirect: true,
            text: f.text,
            name: 'cmd',
            args: f.args,
            actionId: 'a',
            value: f.value,
            pollRef: 'p',
            choice: { set: [0] },
            change: 'joined',
          }) as unknown as InboundEvent,
      );
    check(
      'core: cleanEvent',
      event,
      (e) => {
        const cleaned = cleanEvent(e) as InboundEvent & { text?: unknown; args?: unknown };
        if (e.kind === 'message' || e.kind === 'command') expect(typeof cleaned.text).toBe('string');
        if (e.kind === 'command') expect(typeof cleaned.args).toBe('string');
        expect(cleaned.id.length).toBeGreaterThan(0);
        expect(cleaned.address.chatId.length).toBeGreaterThan(0);
        if (cleaned.sender.name !== undefined) expect(typeof cleaned.sender.name).toBe('string');
      },
      RUNS.parser,
    );
  });
});

describe('Discord dispatches (adapters/discord/normalize.ts) and its escaping', () => {
  const me = { botId: FAKE_BOT.id };
  const codec = new CustomIdCodec();
  const samples: [string, unknown][] = [
    ['MESSAGE_CREATE', dmMessage('alice', 'When are you open?')],
    ['MESSAGE_CREATE', dmMessage('alice', '/subscribe news')],
    ['MESSAGE_CREATE', guildMessage('bob', 'what time do you open?', { mentionBot: true })],
    ['MESSAGE_CREATE', guildMessage('bob', 'just chatting')],
    ['MESSAGE_CREATE', guildMessage('otherbot', 'beep', { mentionBot: true, bot: true })],
    ['INTERACTION_CREATE', commandInteraction('carol', 'subscribe', { topic: 'news' })],
    ['INTERACTION_CREATE', commandInteraction('carol', 'register', { name: 'bakery' }, { guild: true })],
    ['INTERACTION_CREATE', buttonInteraction('carol', codec.encode('poll.vote', 'p1:2'), '123456789012')],
    [
      'MESSAGE_POLL_VOTE_ADD',
      { user_id: '2000000000001', channel_id: '4000000001', message_id: '70000001', answer_id: 2 },
    ],
    [
      'MESSAGE_POLL_VOTE_REMOVE',
      {
        user_id: '2000000000001',
        channel_id: '4000000001',
        message_id: '70000001',
        answer_id: 1,
        guild_id: '30000001',
      },
    ],
  ];
  const property = ([t, d]: [unknown, unknown]) => {
    const result = normalizeDispatch(t, d, me, codec);
    if ('event' in result) {
      assertEventShape(result.event);
      assertClean(result.event);
      if (result.event.replyHandle) expect(parseHandle(result.event.replyHandle.value)).not.toBeNull();
    } else {
      expect(typeof result.ignored).toBe('string');
    }
  };

  it('takes any value without throwing', () => {
    check('discord: arbitrary dispatch', fc.tuple(anyValue, anyValue), property, RUNS.arbitrary);
    check(
      'discord: arbitrary payloads of known dispatches',
      fc.tuple(fc.constantFrom(...new Set(samples.map(([t]) => t))), anyValue),
      property,
      RUNS.arbitrary,
    );
  });

  it('takes real payloads with random edits', () => {
    const types = samples.map(([t]) => t);
    check(
      'discord: mutated real payloads',
      fc
        .tuple(fc.nat(samples.length - 1), mutated(samples.map(([, d]) => d)))
        .map(([i, d]) => [types[i], d] as [string, unknown]),
      property,
      RUNS.mutated,
    );
  });

  it('escaping keeps every text as written and leaves no markdown, link or mention active', () => {
    check(
      'discord: escapeDiscord',
      hostileString,
      (text) => {
        const escaped = escapeDiscord(text);
        expect(shownText(escaped)).toBe(text);
        const active = escaped.replace(/\\[^0-9A-Za-z\s]/g, 'x');
        expect(active).not.toMatch(/[\\*_~`|[\]<>@]/);
        expect(active).not.toMatch(/^[ \t]*[#\-+]/m);
      },
      RUNS.parser,
    );
  });
});

describe('X DM events (adapters/x normalize.ts and webhook payloads)', () => {
  const bot = '1600000000000000001';
  const samples = [
    {
      id: '2128540104996683776',
      event_type: 'MessageCreate',
      text: 'When are you open?',
      sender_id: '3000000000000000002',
      dm_conversation_id: '1600000000000000001-3000000000000000002',
      created_at: '2026-12-03T17:00:00.000Z',
    },
    { id: '2128540104996683777', event_type: 'MessageCreate', text: '/subscribe news', sender_id: '42' },
    { id: '2128540104996683778', event_type: 'ParticipantsJoin', sender_id: '42' },
    { id: '2128540104996683779', event_type: 'MessageCreate', text: 'own', sender_id: bot },
  ];
  const property = (value: unknown) => {
    const result = normalizeDmEvent(value, bot);
    if ('event' in result) {
      assertEventShape(result.event);
      assertClean(result.event);
    } else {
      expect(typeof result.ignored).toBe('string');
    }
  };
  // What the webhook hands on (the sample delivery's time as now, so its DM is recent enough).
  const webhookLog = new CapturingLogger();
  const webhook = (events: unknown) => {
    for (const event of accountDmsOf(events, { accountId: bot, log: webhookLog, now: 1764781200000 }))
      property(event);
  };
  const delivery = {
    for_user_id: bot,
    direct_message_events: [
      {
        type: 'message_create',
        id: '2128540104996683780',
        created_timestamp: '1764781200000',
        message_create: { target: { recipient_id: bot }, sender_id: '42', message_data: { text: 'hi' } },
      },
    ],
  };

  it('takes any value and real events with random edits without throwing', () => {
    check('x: arbitrary DM event', anyValue, property, RUNS.arbitrary);
    check('x: mutated real DM events', mutated(samples), property, RUNS.mutated);
  });

  it('webhook deliveries: any value and a real one with random edits', () => {
    check('x: arbitrary webhook body', anyValue, webhook, RUNS.arbitrary);
    check('x: mutated webhook delivery', mutated([delivery]), webhook, RUNS.mutated);
  });
});
