/**
 * Defects a review of the Slack owner side found, each reproduced: escaping that pushed a section
 * past Slack's limits, a long message posted twice when Slack failed a later piece, a slash command
 * answered in a public channel named like a DM, and a response_url answer cut to its first piece.
 * Real Bolt / @slack/web-api against the fake Slack (and a response_url) on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainFromSlack } from '../../adapters/slack/escape.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { normalizeMessage, normalizeSlashCommand } from '../../adapters/slack/normalize.ts';
import { renderPosts } from '../../adapters/slack/render.ts';
import { TransientError } from '../../src/core/errors.ts';
import type { OutboundMessage } from '../../src/core/outbound.ts';
import { FakeSlackApi, type FakeSlackFailure, type SlackRequestSigner } from '../fakes/slack-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';

const SECRET = 'review-signing-secret';
const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';

type Block = { type?: string; text?: { text?: string }; fields?: { text?: string }[] };

/** What real Slack refuses with `invalid_blocks` (documented Block Kit limits). */
function blockProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  if (blocks.length > 50) return `${blocks.length} blocks > 50`;
  for (const block of blocks as Block[]) {
    const length = block.text?.text?.length ?? 0;
    if (block.type === 'section' && length > 3000) return `section text of ${length} characters > 3000`;
    if (block.type === 'header' && length > 150) return 'header > 150';
    for (const field of block.fields ?? []) if ((field.text?.length ?? 0) > 2000) return 'field > 2000';
  }
  return undefined;
}

/** Makes the fake refuse invalid Block Kit like Slack does (ok:false, invalid_blocks). */
function enforceBlockKitLimits(fake: FakeSlackApi): void {
  const target = fake as unknown as { answer(method: string, body: Record<string, unknown>): unknown };
  const original = target.answer.bind(fake);
  target.answer = (method, body) => {
    const problem = blockProblem(body.blocks);
    if ((method === 'chat.postMessage' || method === 'chat.update') && problem) {
      return { ok: false, error: 'invalid_blocks', errors: [problem] };
    }
    return original(method, body);
  };
}

/** Queues outcomes for the next calls of `method`: a failure, or `undefined` to let that call through. */
function failCalls(fake: FakeSlackApi, method: string, queue: (FakeSlackFailure | undefined)[]): void {
  (fake as unknown as { failures: Map<string, (FakeSlackFailure | undefined)[]> }).failures.set(
    method,
    queue,
  );
}

/** A response_url on 127.0.0.1 that answers HTTP 500 to the requests numbered in `failing` (from 1). */
async function startResponseUrl(failing: number[]) {
  const received: { body: Record<string, unknown>; status: number }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const status = failing.includes(received.length + 1) ? 500 : 200;
    received.push({ body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, status });
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'failed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/commands/T1/1/secret`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Numbered lines, so a lost, doubled or reordered piece shows. */
function numberedLines(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `Line ${i + 1} of the long answer about opening hours.`,
  ).join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(TEST_DATABASES)('Slack: long, escaped and redirected posts through Hearth ($name)', (kind) => {
  let fake: FakeSlackApi;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;

  beforeAll(async () => {
    const database = await kind.open();
    slack = await startSlackHearth(database, { owners: OWNERS, secret: SECRET, ownerMembers: [OWNER] });
    ({ app, fake, signer } = slack);
    enforceBlockKitLimits(fake);
  });
  afterAll(async () => {
    await slack?.stop();
  });

  it('posts a handoff whose question is full of & and < (escaping keeps each section within 3,000 characters)', async () => {
    fake.reset();
    // ~2,600 characters: well under the 3,000 a section holds, but each & becomes &amp; in Slack.
    const question = `Can my parrot Zebedee join R&D & tasting evenings? ${'Zebedee & friends <3 '.repeat(120)}`;
    const asked = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-amp',
      text: question,
    });
    expect(asked.status).toBe(200);
    await until(
      () => fake.messages(OWNERS).some((m) => plainFromSlack(m.text).includes('Zebedee')),
      'the handoff in the owners channel',
    );
    const oversized = fake.callsTo('chat.postMessage').map((c) => blockProblem(c.body.blocks));
    expect(oversized.filter(Boolean)).toEqual([]);
  });

  it('shows an owner the preview of an announcement full of & (its Post button arrives)', async () => {
    await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-news',
      text: '/subscribe news',
    });
    fake.reset();
    const text = 'Fish & chips & mushy peas & tea tonight! '.repeat(60).trim(); // ~2,500 characters
    await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text: `announce news ${text}` });
    await until(
      () => fake.messages(OWNERS).some((m) => (m.buttonLabels ?? []).includes('Post')),
      'the preview with its Post button',
    );
    const oversized = fake.callsTo('chat.postMessage').map((c) => blockProblem(c.body.blocks));
    expect(oversized.filter(Boolean)).toEqual([]);
  });

  it('posts a long handoff once when Slack answers 429 to its second piece', async () => {
    fake.reset();
    // Longer than one section (3,000): the root goes out in two chat.postMessage calls.
    const words = 'Could the kombucha tasting evening host my parrot and his seven cousins please';
    const question = `${words} ${'and also the cousins of the cousins '.repeat(90)}`;
    failCalls(fake, 'chat.postMessage', [undefined, { kind: 'rate-limited', retryAfterSeconds: 1 }]);
    const asked = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-long',
      text: question,
    });
    expect(asked.status).toBe(200);
    await until(
      () => fake.messages(OWNERS).some((m) => (m.buttonLabels ?? []).length > 0),
      'the retried piece with the buttons',
    );
    const firstPieces = fake.messages(OWNERS).filter((m) => m.text.includes('Question from'));
    expect(firstPieces).toHaveLength(1); // one root, not a second copy owners may answer in vain
  });

  it('answers in full through the response_url when the bot cannot post in the DM where /hearth was typed', async () => {
    fake.reset();
    fake.unreachableChannels.add('DCOLLEAGUE');
    // A question of ~3,990 characters: the confirmation quotes it and runs past 4,000 (two pieces).
    const question = `${'What are the opening hours on public holidays please '.repeat(75)}ENDMARK?`;
    await signer.slashCommand({
      userId: OWNER,
      channelId: 'DCOLLEAGUE', // a DM between the owner and a colleague: the bot is not in it
      channelName: 'directmessage',
      text: `faq add "${question}" "From 10 to 4."`,
      responseUrl: fake.responseUrl('dm-faq'),
    });
    const answers = await until(() => {
      const bodies = fake.responses.filter((r) => r.id === 'dm-faq').map((r) => r.body);
      return bodies.length >= 2 ? bodies : undefined;
    }, 'both pieces through the response_url');
    expect(answers.every((body) => body.response_type === 'ephemeral')).toBe(true);
    const answered = answers.map((body) => plainFromSlack(String(body.text ?? ''))).join('\n');
    expect(answered).toMatch(/^Added FAQ/);
    expect(answered).toContain('ENDMARK');
  });

  it("answers an owner's /hearth typed in a public channel named #directmessage in their DMs, not there", async () => {
    fake.reset();
    await signer.slashCommand({
      userId: OWNER,
      channelId: 'CPUBLICDM',
      channelName: 'directmessage', // a legal public channel name
      text: 'stats day',
    });
    await fake.waitFor((c) => c.method === 'chat.postMessage');
    await sleep(300); // time for a wrong second post
    expect(fake.messages('CPUBLICDM')).toEqual([]); // owner data stays out of a shared channel
    expect(fake.messages(OWNER)).toHaveLength(1);
  });
});

describe('Slack adapter: a long reply in pieces', () => {
  let fake: FakeSlackApi;
  let adapter: SlackAdapter;
  const expiresAt = () => new Date(Date.now() + 10 * 60_000).toISOString();

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    adapter = new SlackAdapter({
      botToken: 'xoxb-test',
      signingSecret: 's',
      apiUrl: fake.apiUrl,
      log: new CapturingLogger(),
    });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("resumes at the piece Slack failed (5xx), each piece at its own pace, and answers with the first piece's ts", async () => {
    fake.reset();
    const message: OutboundMessage = {
      id: 'long-1',
      to: { platform: 'slack', chatId: 'CLONG' },
      text: numberedLines(250),
    };
    const pieces = renderPosts(message).map((post) => post.text);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    let turns = 0;
    const paced: OutboundMessage = {
      ...message,
      beforeRequest: async () => {
        turns += 1;
      },
    };
    failCalls(fake, 'chat.postMessage', [undefined, { kind: 'server-error' }]);
    expect(await adapter.send(paced).catch((e: unknown) => e)).toBeInstanceOf(TransientError);
    expect(turns).toBe(2); // the first piece, then the one that failed
    const sent = await adapter.send(paced);
    expect(turns).toBe(2 + pieces.length - 1); // resumed at the failed piece
    const posted = fake.messages('CLONG');
    expect(posted.map((m) => m.text)).toEqual(pieces); // each piece once, in order
    expect(sent.messageId).toBe(posted[0]?.ts);
  });

  it('answers through the response_url with every piece in order, resuming at the one that failed', async () => {
    fake.reset();
    fake.unreachableChannels.add('DHUMANS');
    const responseUrl = await startResponseUrl([2]);
    try {
      const message: OutboundMessage = {
        id: 'ephemeral-1',
        to: { platform: 'slack', chatId: 'DHUMANS' },
        text: numberedLines(250),
        replyHandle: { value: responseUrl.url, expiresAt: expiresAt() },
      };
      const pieces = renderPosts(message).map((post) => post.text);
      expect(pieces.length).toBeGreaterThanOrEqual(3);
      expect(await adapter.send(message).catch((e: unknown) => e)).toBeInstanceOf(TransientError);
      const sent = await adapter.send(message); // the outbox's retry of the same row
      expect(sent.messageId).toBe('response_url:ephemeral-1');
      const delivered = responseUrl.received.filter((r) => r.status === 200).map((r) => r.body);
      expect(delivered.map((body) => body.text)).toEqual(pieces);
      expect(delivered.every((body) => body.response_type === 'ephemeral')).toBe(true);
      expect(responseUrl.received).toHaveLength(pieces.length + 1); // only the failed piece went twice
    } finally {
      await responseUrl.close();
    }
  });

  it('cuts a reply of more than five pieces to five, the last saying how much was left out (buttons last)', async () => {
    fake.reset();
    fake.unreachableChannels.add('DHUMANS');
    const message: OutboundMessage = {
      id: 'ephemeral-2',
      to: { platform: 'slack', chatId: 'DHUMANS' },
      text: numberedLines(600), // ~31,000 characters: eleven sections of 3,000
      buttons: [[{ actionId: 'faq:more', label: 'More', value: '1' }]],
      replyHandle: { value: fake.responseUrl('cut'), expiresAt: expiresAt() },
    };
    expect(renderPosts(message).length).toBeGreaterThan(5);
    await adapter.send(message);
    const bodies = fake.responses.filter((r) => r.id === 'cut').map((r) => r.body);
    expect(bodies).toHaveLength(5); // Slack takes five answers through one response_url
    const texts = bodies.map((body) => plainFromSlack(String(body.text)));
    expect(texts[0]).toMatch(/^Line 1 of/);
    expect(texts.join('\n')).toContain('Line 200 of');
    expect(texts[4]).toMatch(/\(reply truncated: \d+ more characters\)$/);
    expect(bodies.map((body) => blockProblem(body.blocks)).filter(Boolean)).toEqual([]);
    const lastBlocks = (bodies[4]?.blocks ?? []) as Block[];
    expect(lastBlocks.at(-1)?.type).toBe('actions');
  });
});

describe('Slack direct messages (normalize.ts)', () => {
  const now = new Date('2026-06-01T10:00:00Z');
  const command = (channelId: string, channelName: string) =>
    normalizeSlashCommand(
      {
        command: '/hearth',
        text: 'stats',
        user_id: 'U1',
        channel_id: channelId,
        channel_name: channelName,
        trigger_id: `trig-${channelId}-${channelName}`,
      },
      now,
      OWNERS,
    );

  it("tells a DM by its channel id (or a message event's channel_type), never by a channel name", () => {
    for (const name of ['directmessage', 'im']) {
      const typed = command('CPUBLIC', name); // public channels may be named so
      expect(typed).toMatchObject({ redirected: true, address: { chatId: 'U1' } });
    }
    expect(command('DWITHBOT', 'directmessage')).toMatchObject({
      redirected: false,
      isDirect: true,
      address: { chatId: 'DWITHBOT' },
    });
    const message = (channel: string, channelType: string) =>
      normalizeMessage(
        { type: 'message', channel, channel_type: channelType, user: 'U2', text: 'hi', ts: '1.2' },
        'Ev1',
        'UBOT',
        now,
      );
    expect(message('DWITHBOT', 'im')?.isDirect).toBe(true);
    expect(message('CPUBLIC', 'channel')?.isDirect).toBe(false);
  });
});
