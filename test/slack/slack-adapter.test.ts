import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { HttpServer } from '../../src/http/server.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

/** Sends through the real WebClient to the fake: threads, edits, files, blocks, and error mapping. */
describe('Slack adapter sends', () => {
  let fake: FakeSlackApi;
  let adapter: SlackAdapter;
  let http: HttpServer;
  let port = 0;
  const log = new CapturingLogger();

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    adapter = new SlackAdapter({ botToken: 'xoxb-test', signingSecret: 's', apiUrl: fake.apiUrl, log });
    http = new HttpServer(log);
    adapter.mount(http);
    port = await http.listen(0, '127.0.0.1');
    await adapter.start(adapterContext(async () => ({ handled: true, enqueued: 0 })));
  });
  afterAll(async () => {
    await adapter?.stop();
    await http?.close();
    await fake?.close();
  });

  it('posts into a thread (thread_ts) and edits a message in place', async () => {
    const to = { platform: 'slack' as const, chatId: 'COWNERS', threadId: '1700000000.000042' };
    const sent = await adapter.send({ id: '1', to, text: 'Reply in thread' });
    expect(fake.messages('COWNERS').at(-1)).toMatchObject({
      text: 'Reply in thread',
      threadTs: '1700000000.000042',
    });
    await adapter.send({
      id: '2',
      to,
      text: 'Edited',
      editMessageId: sent.messageId,
      buttons: [[{ actionId: 'a', label: 'Go' }]],
    });
    expect(fake.messages('COWNERS').find((m) => m.ts === sent.messageId)).toMatchObject({
      text: 'Edited',
      edited: true,
      buttonLabels: ['Go'],
    });
  });

  it('sends Block Kit as given, with text as the fallback, and files with files.uploadV2', async () => {
    const blocks = [{ type: 'header' as const, text: { type: 'plain_text' as const, text: 'Stats' } }];
    await adapter.send({ id: '3', to: { platform: 'slack', chatId: 'C2' }, text: 'Stats fallback', blocks });
    expect(fake.messages('C2')[0]).toMatchObject({ text: 'Stats fallback', blocks });
    const file = {
      name: 'x.json',
      contentBase64: Buffer.from('{"x":1}').toString('base64'),
      mimeType: 'application/json',
    };
    const result = await adapter.send({
      id: '4',
      to: { platform: 'slack', chatId: 'C2' },
      text: 'Export',
      file,
    });
    expect(result.messageId).toMatch(/^F/);
    expect(fake.messages('C2')[1]?.file?.content.toString()).toBe('{"x":1}');
    // Poll options become buttons (Slack has no native polls).
    await adapter.send({
      id: '5',
      to: { platform: 'slack', chatId: 'C3' },
      text: 'Lunch?',
      poll: { pollId: 'p1', question: 'Lunch?', options: ['Pizza', 'Soup'], multi: false, anonymous: false },
    });
    expect(fake.messages('C3')[0]?.buttonLabels).toEqual(['Pizza', 'Soup']);
  });

  it('maps Slack errors: 429 → RateLimitedError, channel errors → PermanentError, 5xx and network → TransientError', async () => {
    const to = { platform: 'slack' as const, chatId: 'C9' };
    const send = () => adapter.send({ id: 'e', to, text: 'x' }).catch((e: unknown) => e);
    fake.failNext('chat.postMessage', { kind: 'rate-limited', retryAfterSeconds: 2 });
    expect(await send()).toMatchObject({ constructor: RateLimitedError, retryAfterMs: 2000 });
    for (const error of ['channel_not_found', 'not_in_channel', 'account_inactive']) {
      fake.failNext('chat.postMessage', { kind: 'error', error });
      const mapped = await send();
      expect(mapped).toBeInstanceOf(PermanentError);
      expect((mapped as PermanentError).recipientGone).toBe(true);
    }
    fake.failNext('chat.postMessage', { kind: 'error', error: 'invalid_blocks' });
    expect(await send()).toMatchObject({ constructor: PermanentError, recipientGone: false });
    fake.failNext('chat.postMessage', { kind: 'server-error' });
    expect(await send()).toBeInstanceOf(TransientError);
    const offline = new SlackAdapter({
      botToken: 'xoxb',
      signingSecret: 's',
      apiUrl: 'http://127.0.0.1:9/api/',
      log,
    });
    expect(await offline.send({ id: 'n', to, text: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(
      TransientError,
    );
  });

  it("answers Slack's URL verification challenge (Event Subscriptions setup)", async () => {
    const signer = new SlackRequestSigner('s', `http://127.0.0.1:${port}/slack/events`);
    const body = JSON.stringify({ token: 't', challenge: 'challenge-123', type: 'url_verification' });
    const response = await signer.post(body, 'application/json');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('challenge-123');
  });

  it('answers 503 before start and never crashes on a malformed body', async () => {
    const idle = new SlackAdapter({ botToken: 'xoxb', signingSecret: 's', apiUrl: fake.apiUrl, log });
    const idleHttp = new HttpServer(log);
    idle.mount(idleHttp);
    const idlePort = await idleHttp.listen(0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${idlePort}/slack/events`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(503);
    await idleHttp.close();
    const garbage = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(garbage.status).toBe(401); // unsigned: rejected before parsing
  });
});

/** Slack is acknowledged before the core sees an event: one the core cannot record waits here. */
describe('Slack adapter: the database down while an owner writes', () => {
  let fake: FakeSlackApi;
  let http: HttpServer;
  let signer: SlackRequestSigner;
  let adapter: SlackAdapter;
  const log = new CapturingLogger();

  async function start(sink: (event: InboundEvent) => Promise<void>) {
    fake = await FakeSlackApi.start();
    adapter = new SlackAdapter({
      botToken: 'xoxb-test',
      signingSecret: 's',
      apiUrl: fake.apiUrl,
      log,
    });
    http = new HttpServer(log);
    adapter.mount(http);
    const port = await http.listen(0, '127.0.0.1');
    signer = new SlackRequestSigner('s', `http://127.0.0.1:${port}/slack/events`, fake);
    await adapter.start(
      adapterContext(async (event) => {
        await sink(event);
        return { handled: true, enqueued: 0 };
      }),
    );
  }
  afterEach(async () => {
    await adapter?.stop();
    await http?.close();
    await fake?.close();
  });

  it('an owner message the core cannot record yet is handed over again until it is', async () => {
    let failures = 0;
    const recorded: string[] = [];
    await start(async (event) => {
      if (failures < 6) {
        failures++;
        throw new Error('database unavailable');
      }
      recorded.push(event.kind === 'message' ? event.text : event.kind);
    });
    const response = await signer.message({
      userId: 'UOWNER',
      channelId: 'COWNERS',
      text: 'reply to the customer',
    });
    expect(response.status).toBe(200); // acknowledged at once, as Slack requires
    await until(() => recorded.length === 1, 'the message recorded once the database is back');
    expect(recorded).toEqual(['reply to the customer']);
    expect(failures).toBe(6);
  });

  it('stopping during the outage ends the retries and logs the event whole', async () => {
    let attempts = 0;
    await start(async () => {
      attempts++;
      throw new Error('database unavailable');
    });
    await signer.message({ userId: 'UOWNER', channelId: 'COWNERS', text: 'not lost silently' });
    await until(() => attempts >= 2, 'failed attempts');
    await adapter.stop();
    const [entry] = log.find('error', 'slack: stopping with an event not recorded');
    expect(JSON.stringify(entry)).toContain('not lost silently');
    const after = attempts;
    await new Promise((r) => setTimeout(r, 100));
    expect(attempts).toBe(after); // no retry after stop
  });
});
