import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainFromSlack, slackText } from '../../adapters/slack/escape.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { renderPosts } from '../../adapters/slack/render.ts';
import type { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { telegram as telegramModule } from '../../adapters/telegram/module.ts';
import { context, fields, header, Mrkdwn, mrkdwn, section } from '../../src/core/blocks.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeSlackApi, type FakeSlackMessage, SlackRequestSigner } from '../fakes/slack-api.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText, user } from '../telegram/updates.ts';

const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';
const SECRET = 'markup-test-signing-secret';
const WAIT_MS = 15_000;

/** What a customer may try: mentions, a disguised link, a date token with a fallback, entities. */
const HOSTILE =
  'Hi <!channel> & team, is this <https://evil.example/login|your invoice> real? <@UOWNER1> <#CGENERAL> <!here> <!subteam^S1> <!date^1392734382^{date}|Feb 18> &amp; &lt;';
const HOSTILE_NAME = '<!everyone> Eve & <@UOWNER1>';

/**
 * Inert Slack text: no `<` or `>` at all (Hearth's own markup uses neither), and every `&` starts
 * one of the three entities. Such text can hold no mention, no link and no date token.
 */
function isInert(text: string): boolean {
  return !/[<>]/.test(text) && !/&(?!amp;|lt;|gt;)/.test(text);
}

/** Every string of a posted message that Slack parses as mrkdwn: `text` and mrkdwn text objects. */
function mrkdwnStrings(message: { text: string; blocks?: unknown[] | undefined }): string[] {
  const out = [message.text];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (record.type === 'mrkdwn' && typeof record.text === 'string') out.push(record.text);
    for (const child of Object.values(record)) visit(child);
  };
  visit(message.blocks);
  return out;
}

function expectInert(messages: FakeSlackMessage[]): void {
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    for (const text of mrkdwnStrings(message)) expect(isInert(text), text).toBe(true);
  }
}

describe('Slack escaping, unit', () => {
  it('the mrkdwn template keeps its own markup and escapes what is interpolated', () => {
    const made = mrkdwn`*${'<!here> & co'}* \`${42}\``;
    expect(made.text).toBe('*&lt;!here&gt; &amp; co* `42`');
    expect(mrkdwn`${made} and ${'<@U1>'}`.text).toBe('*&lt;!here&gt; &amp; co* `42` and &lt;@U1&gt;');
    expect(Mrkdwn.join([mrkdwn`a`, mrkdwn`b`], ' <&> ').text).toBe('a &lt;&amp;&gt; b');
  });

  it('block builders cut long mrkdwn without leaving half an entity', () => {
    const block = section(mrkdwn`${'&'.repeat(5000)}`);
    const text = (block as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(isInert(text.replace(/…$/, ''))).toBe(true);
    expect(header('x'.repeat(200))).toMatchObject({ text: { type: 'plain_text' } });
    expect(JSON.stringify([fields([mrkdwn`${HOSTILE}`]), context(mrkdwn`${HOSTILE}`)])).not.toMatch(/<!/);
  });

  it('renders plain text escaped wherever it lands (text, sections next to buttons, fallbacks)', () => {
    const to = { platform: 'slack' as const, chatId: 'C1' };
    const posts = [
      ...renderPosts({ id: '1', to, text: HOSTILE }),
      ...renderPosts({ id: '2', to, text: HOSTILE, buttons: [[{ actionId: 'a', label: '<!here>' }]] }),
      ...renderPosts({ id: '3', to, text: HOSTILE, blocks: [header(HOSTILE)] }),
      ...renderPosts({
        id: '4',
        to,
        text: 'x'.repeat(3500) + HOSTILE,
        buttons: [[{ actionId: 'a', label: 'b' }]],
      }),
    ];
    for (const post of posts) for (const text of mrkdwnStrings(post)) expect(isInert(text), text).toBe(true);
    expect(plainFromSlack(posts[0]?.text ?? '')).toBe(HOSTILE);
  });

  it('undoes the escaping Slack applies to what users type, and round-trips', () => {
    expect(plainFromSlack('a &amp; b &lt;c&gt; &amp;lt;')).toBe('a & b <c> &lt;');
    expect(plainFromSlack(slackText(HOSTILE))).toBe(HOSTILE);
  });
});

describe.each(TEST_DATABASES)('no customer or owner text becomes Slack markup ($name)', (kind) => {
  let database: Database;
  let slackApi: FakeSlackApi;
  let telegramApi: FakeTelegramApi;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  const customer = 4_200_001;

  beforeAll(async () => {
    database = await kind.open();
    slackApi = await FakeSlackApi.start();
    telegramApi = await FakeTelegramApi.start({ username: BOT_USERNAME });
    const env = {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: telegramApi.url,
      SLACK_OWNERS_CHANNEL: OWNERS,
    };
    const telegram = (await telegramModule.create(env, new CapturingLogger())) as TelegramAdapter | null;
    if (!telegram) throw new Error('no telegram adapter');
    const slack = new SlackAdapter({
      botToken: 'xoxb-markup-test',
      signingSecret: SECRET,
      apiUrl: slackApi.apiUrl,
      ownersChannel: OWNERS,
      log: new CapturingLogger(),
      capabilities: {
        rateLimits: [
          { scope: 'account', limit: 200, windowMs: 1000 },
          { scope: 'chat', limit: 100, windowMs: 1000 },
        ],
      },
    });
    app = await startTestHearth({ database, adapters: [slack, telegram], env });
    signer = new SlackRequestSigner(SECRET, `${app.baseUrl}/slack/events`, slackApi);
  });
  afterAll(async () => {
    await app?.stop();
    await slackApi?.close();
    await telegramApi?.close();
  });

  it("a handed-off question and the customer's name reach the owners' channel escaped, shown as written", async () => {
    const question = privateText(customer, HOSTILE);
    (question.message as Record<string, unknown>).from = user(customer, HOSTILE_NAME);
    telegramApi.pushUpdate(BOT_TOKEN, question);
    const [root] = await slackApi.waitForMessages(OWNERS, 1, WAIT_MS);
    expectInert(slackApi.messages(OWNERS));
    const shown = plainFromSlack(root?.text ?? '');
    expect(shown).toContain(HOSTILE_NAME);
    expect(shown).toContain(HOSTILE.replace(/\s+/g, ' '));

    telegramApi.pushUpdate(BOT_TOKEN, privateText(customer, 'also <!everyone> <https://x.example|click>'));
    await slackApi.waitForMessages(OWNERS, 2, WAIT_MS);
    expectInert(slackApi.messages(OWNERS));
    expect(plainFromSlack(slackApi.messages(OWNERS)[1]?.text ?? '')).toContain('<https://x.example|click>');
  });

  it("an owner's answer with markup reaches Telegram as plain text (no parse_mode), as the owner typed it", async () => {
    const rootTs = slackApi.messages(OWNERS)[0]?.ts ?? '';
    // Slack escapes &, < and > in what users type; a mention is markup, read as the name alone
    // (an @ on Telegram would mention whoever has that username there).
    const typed = 'Sure &amp; thanks &lt;b&gt;really&lt;/b&gt; <@UOWNER1>';
    expect(
      (await signer.message({ userId: OWNER, channelId: OWNERS, threadTs: rootTs, text: typed })).status,
    ).toBe(200);
    const relayed = await telegramApi.waitFor(
      () => telegramApi.sent(customer).find((m) => m.text.startsWith('💬')),
      WAIT_MS,
      'the relayed answer',
    );
    expect(relayed.text).toBe('💬 Sure & thanks <b>really</b> UOWNER1');
    await until(
      () => slackApi.messages(OWNERS).some((m) => m.text.includes('Sent to the customer')),
      'the owner told the answer went out',
      WAIT_MS,
    );
    const sends = telegramApi.calls.filter((c) => c.method === 'sendMessage');
    expect(sends.length).toBeGreaterThan(0);
    for (const call of sends) expect(call.body.parse_mode).toBeUndefined();
  });

  it('owner arguments echoed in replies and errors (週 🔥 & <b>) are escaped, not posted raw', async () => {
    slackApi.reset();
    const slash = (text: string) =>
      signer.slashCommand({ userId: OWNER, channelId: OWNERS, command: '/hearth', text: slackText(text) });
    expect((await slash('poll results 週 🔥 & <b>')).status).toBe(200);
    expect((await slash('topic add <!channel>&<b>')).status).toBe(200);
    expect((await slash('<!here>')).status).toBe(200);
    const replies = await slackApi.waitForMessages(OWNERS, 3, WAIT_MS);
    expect(replies).toHaveLength(3);
    expectInert(replies);
    const shown = replies.map((m) => plainFromSlack(m.text)).join('\n');
    expect(shown).toContain('No poll with id "週 🔥 & <b>"');
    expect(shown).toContain('"<!channel>&<b>" cannot be a topic');
    expect(shown).toContain('Unknown command "<!here>"');
  });

  it('reports (stats with the top unanswered questions, Block Kit) escape what customers wrote', async () => {
    // A second customer's question stays unanswered, so the report lists it.
    telegramApi.pushUpdate(BOT_TOKEN, privateText(customer + 1, HOSTILE));
    await until(
      async () => (await database.prisma.handoff.count({ where: { firstAnsweredAt: null } })) === 1,
      'the unanswered handoff',
      WAIT_MS,
    );
    await until(() => slackApi.messages(OWNERS).length >= 4, 'its thread root', WAIT_MS);
    slackApi.reset();
    await signer.slashCommand({ userId: OWNER, channelId: OWNERS, command: '/hearth', text: 'stats week' });
    const [report] = await slackApi.waitForMessages(OWNERS, 1, WAIT_MS);
    expect(report?.text).toMatch(/Hearth stats/);
    expect(report?.blocks?.length).toBeGreaterThan(0);
    expectInert(slackApi.messages(OWNERS));
    expect(JSON.stringify(report?.blocks)).toContain('&lt;!channel&gt; &amp; team');
  });
});
