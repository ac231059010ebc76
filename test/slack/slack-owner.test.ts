import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainFromSlack } from '../../adapters/slack/escape.ts';
import { REDIRECT_NOTE } from '../../adapters/slack/index.ts';
import type { HearthContext } from '../../src/app/context.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import { Composer } from '../../src/core/composer.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FEATURES } from '../../src/features/index.ts';
import type { FakeSlackApi, FakeSlackMessage, SlackRequestSigner } from '../fakes/slack-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';

const SECRET = 'owner-test-signing-secret';
const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';

/** Keeps every event that reaches the features, to check normalization end to end. */
const seen: InboundEvent[] = [];
const captureFeature: FeatureFactory = () => ({
  name: 'capture',
  composer: new Composer<HearthContext>().use(async (ctx, next) => {
    seen.push(ctx.event);
    await next();
  }),
});

describe.each(TEST_DATABASES)('Slack control room through real Bolt ($name)', (kind) => {
  let fake: FakeSlackApi;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;
  const adapterLog = new CapturingLogger();

  beforeAll(async () => {
    seen.length = 0;
    const database = await kind.open();
    slack = await startSlackHearth(database, {
      owners: OWNERS,
      secret: SECRET,
      ownerMembers: [OWNER, 'UPARTNER'],
      adapterLog,
      features: [captureFeature, ...FEATURES],
    });
    ({ app, fake, signer } = slack);
  });
  afterAll(async () => {
    await slack?.stop();
  });

  /** Sends `/hearth <text>` from an owner in the owners' channel; returns the message Hearth posted. */
  async function owner(text: string, options: { triggerId?: string } = {}): Promise<FakeSlackMessage> {
    const before = fake.messages(OWNERS).length;
    const response = await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text, ...options });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(''); // acked at once, with nothing to show
    const messages = await fake.waitForMessages(OWNERS, before + 1);
    return messages.at(-1) as FakeSlackMessage;
  }

  it('answers /hearth help with every owner subcommand', async () => {
    const reply = await owner('help', { triggerId: 'trig-help' });
    for (const usage of [
      'stats [day|week|month]',
      'subscribers [topic]',
      'topics',
      'topic add|remove <name>',
      'member <platform:id> [export|forget]',
    ]) {
      // Slack text is escaped (`<name>` is sent as `&lt;name&gt;`): compare what the owner sees.
      expect(plainFromSlack(reply.text)).toContain(`/hearth ${usage}`);
    }
    const processed = await app.hearth.services.db.processedEvent.findUnique({
      where: { platform_eventId: { platform: 'slack', eventId: 'cmd:trig-help' } },
    });
    expect(processed).not.toBeNull();
  });

  it('shows stats as Block Kit and switches the period with a button (edited in place)', async () => {
    const reply = await owner('stats day');
    expect(reply.text).toContain('Hearth stats, last 24 hours');
    expect(reply.blocks?.[0]).toMatchObject({ type: 'header' });
    expect(reply.buttonLabels).toEqual(['day', 'week', 'month']);
    const press = await signer.buttonPress({
      userId: OWNER,
      channelId: OWNERS,
      actionId: 'hearth.stats#2',
      value: 'month',
      messageTs: reply.ts,
    });
    expect(press.status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.update');
    const edited = fake.messages(OWNERS).find((m) => m.ts === reply.ts);
    expect(edited).toMatchObject({ edited: true, text: expect.stringContaining('last 30 days') });
    await expect(owner('stats year')).resolves.toMatchObject({
      text: expect.stringContaining('"year" is not a period'),
    });
  });

  it('manages topics and shows subscribers', async () => {
    expect((await owner('topic add Promo')).text).toContain('Topic "promo" added');
    expect((await owner('topics')).text).toMatch(/news: 0 subscriber\(s\)[\s\S]*promo: 0/);
    const customer = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-sub',
      text: '/subscribe promo',
    });
    expect(customer.status).toBe(200);
    const subscribers = await owner('subscribers promo');
    expect(subscribers.text).toContain('Subscribers to "promo": 1');
    expect(subscribers.text).toContain('promo: telegram 1');
    expect((await owner('topic remove promo')).text).toContain('1 subscriber(s) were unsubscribed');
    expect(await app.hearth.services.db.topic.count({ where: { name: 'promo' } })).toBe(0);
    const after = await owner('subscribers');
    expect(after.text).toMatch(/Recent opt-outs\n.*telegram promo \(owner: topic removed\)/);
    const usage = await owner('topic rename x');
    expect(usage.text).toContain('Usage: /hearth topic add|remove &lt;name&gt;');
    expect(plainFromSlack(usage.text)).toContain('Usage: /hearth topic add|remove <name>');
  });

  it('shows, exports (JSON file in Slack) and erases a member after a confirming button', async () => {
    await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-42',
      name: 'Ada',
      text: '/subscribe',
    });
    expect((await owner('member telegram:t-42')).text).toMatch(
      /Member telegram:t-42 \(Ada\)[\s\S]*Subscribed to: news/,
    );
    const before = fake.messages(OWNERS).length;
    await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text: 'member telegram:t-42 export' });
    const [exported] = (await fake.waitForMessages(OWNERS, before + 1)).slice(before);
    expect(exported?.file?.name).toBe('member-telegram-t-42.json');
    const data = JSON.parse(exported?.file?.content.toString() ?? '{}');
    expect(data.identities[0]).toMatchObject({
      platform: 'telegram',
      platformUserId: 't-42',
      displayName: 'Ada',
    });
    expect(data.subscriptions).toEqual([expect.objectContaining({ topic: 'news' })]);

    const confirm = await owner('member telegram:t-42 forget');
    expect(confirm.buttonLabels).toEqual(['Erase telegram:t-42']);
    await signer.buttonPress({
      userId: 'URANDOM',
      channelId: 'CRANDOM',
      actionId: 'hearth.member.forget#0',
      value: 'telegram:t-42',
    });
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === 'CRANDOM');
    expect(await app.hearth.services.members.findIdentity('telegram', 't-42')).not.toBeNull();
    const countBefore = fake.messages(OWNERS).length;
    await signer.buttonPress({
      userId: OWNER,
      channelId: OWNERS,
      actionId: 'hearth.member.forget#0',
      value: 'telegram:t-42',
      messageTs: confirm.ts,
    });
    const erased = (await fake.waitForMessages(OWNERS, countBefore + 1)).at(-1);
    expect(erased?.text).toMatch(/Erased telegram:t-42: 1 identity/);
    expect(await app.hearth.services.members.findIdentity('telegram', 't-42')).toBeNull();
    const tombstone = await app.hearth.services.db.consentEvent.findFirst({ where: { action: 'erase' } });
    expect(tombstone).toMatchObject({ memberId: null, platform: 'telegram', source: 'owner' });
    expect((await owner('member telegram:t-42')).text).toContain('Hearth holds nothing about telegram:t-42');
  });

  it('rejects a forged signature and a stale timestamp with 401, logs them, and processes nothing', async () => {
    const calls = fake.calls.length;
    const forged = await signer.slashCommand(
      { userId: OWNER, channelId: OWNERS, text: 'topic add forged' },
      { secret: 'wrong' },
    );
    expect(forged.status).toBe(401);
    const stale = await signer.slashCommand(
      { userId: OWNER, channelId: OWNERS, text: 'topic add stale' },
      { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 },
    );
    expect(stale.status).toBe(401);
    expect(adapterLog.find('warn', 'slack request rejected')).toHaveLength(2);
    expect(adapterLog.find('warn', 'Failed to parse and verify the request data').length).toBe(2);
    await owner('help'); // a later good request is answered: the rejected ones were not queued before it
    expect(await app.hearth.services.db.topic.count({ where: { name: { in: ['forged', 'stale'] } } })).toBe(
      0,
    );
    expect(fake.calls.slice(calls).filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('answers a command typed in a shared channel privately: refusals and owner data go to DMs', async () => {
    const refused = await signer.slashCommand({ userId: 'USTRANGER', channelId: 'CPUBLIC', text: 'stats' });
    // One message only (issue 23): the refusal in their DMs, no ephemeral redirect note besides.
    expect(await refused.text()).toBe('');
    const [refusal] = await fake.waitForMessages('USTRANGER', 1);
    expect(refusal?.text).toMatch(/only for the owners/);
    expect(app.log.find('warn', 'owner command refused').some((e) => e.fields.userId === 'USTRANGER')).toBe(
      true,
    );
    // An owner (member of the owners' channel) typing /hearth stats in #general gets the stats in a DM.
    const noted = await signer.slashCommand({ userId: OWNER, channelId: 'CGENERAL', text: 'stats day' });
    expect(await noted.json()).toEqual({ response_type: 'ephemeral', text: REDIRECT_NOTE });
    const [stats] = await fake.waitForMessages(OWNER, 1);
    expect(stats?.text).toContain('Hearth stats, last 24 hours');
    expect(fake.messages('CPUBLIC')).toEqual([]);
    expect(fake.messages('CGENERAL')).toEqual([]);
  });

  it('falls back to the response_url (ephemeral) when Slack refuses the post', async () => {
    fake.failNext('chat.postMessage', { kind: 'error', error: 'channel_not_found' });
    await signer.slashCommand({
      userId: 'USTRANGER2',
      channelId: 'CPUBLIC',
      text: 'stats',
      responseUrl: fake.responseUrl('refusal'),
    });
    const deadline = Date.now() + 5000;
    while (!fake.responses.some((r) => r.id === 'refusal') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fake.responses.find((r) => r.id === 'refusal')?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('only for the owners'),
    });
  });

  it("treats a member of the owners' channel as an owner in a DM with the bot", async () => {
    await signer.slashCommand({
      userId: 'UPARTNER',
      channelId: 'DPARTNER',
      channelName: 'directmessage',
      text: 'topics',
    });
    const [reply] = await fake.waitForMessages('DPARTNER', 1);
    expect(reply?.text).toMatch(/^Topics:/);
    await signer.slashCommand({
      userId: 'UOUTSIDER',
      channelId: 'DOUTSIDER',
      channelName: 'directmessage',
      text: 'topics',
    });
    const [refused] = await fake.waitForMessages('DOUTSIDER', 1);
    expect(refused?.text).toMatch(/only for the owners/);
  });

  it('refuses a customer on another platform (console) trying /hearth', async () => {
    const res = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-bad',
      text: '/hearth stats',
    });
    expect((res.body as { replies: { text: string }[] }).replies[0]?.text).toMatch(/only for the owners/);
  });

  it('processes a Slack retry (x-slack-retry-num) of the same request once', async () => {
    const before = fake.messages(OWNERS).length;
    const input = { userId: OWNER, channelId: OWNERS, text: 'topic add retried', triggerId: 'trig-retry-1' };
    expect((await signer.slashCommand(input)).status).toBe(200);
    expect((await signer.slashCommand(input, { retryNum: 1 })).status).toBe(200);
    await fake.waitForMessages(OWNERS, before + 1);
    const event = { userId: 'UCUST', channelId: 'DCUST', channelType: 'im' as const, text: 'hello once' };
    await signer.message(event, { eventId: 'EvRetry1' });
    await signer.message(event, { eventId: 'EvRetry1', retryNum: 1 });
    await owner('help'); // everything before it has been handled
    expect(
      fake
        .messages(OWNERS)
        .slice(before)
        .filter((m) => m.text.includes('"retried"')),
    ).toHaveLength(1);
    expect(seen.filter((e) => e.id === 'evt:EvRetry1')).toHaveLength(1);
  });

  it('normalizes thread replies (threadId = thread_ts) and modal submissions', async () => {
    await signer.message(
      { userId: OWNER, channelId: OWNERS, text: 'on it', threadTs: '1700000000.000777' },
      { eventId: 'EvThread1' },
    );
    await signer.interaction({
      type: 'view_submission',
      trigger_id: 'trig-view',
      user: { id: OWNER, username: 'owner' },
      view: {
        id: 'V1',
        callback_id: 'faq.add',
        private_metadata: JSON.stringify({ channel: OWNERS }),
        state: { values: { q: { question: { type: 'plain_text_input', value: 'Opening hours?' } } } },
      },
    });
    const deadline = Date.now() + 5000;
    while (
      seen.filter((e) => e.id === 'evt:EvThread1' || e.id.startsWith('view:V1')).length < 2 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.find((e) => e.id === 'evt:EvThread1')).toMatchObject({
      kind: 'message',
      text: 'on it',
      address: { platform: 'slack', chatId: OWNERS, threadId: '1700000000.000777' },
    });
    const view = seen.find((e) => e.id.startsWith('view:V1'));
    expect(view).toMatchObject({ kind: 'action', actionId: 'faq.add', address: { chatId: OWNERS } });
    expect(JSON.parse((view as { value: string }).value).fields).toEqual({ question: 'Opening hours?' });
  });
});
