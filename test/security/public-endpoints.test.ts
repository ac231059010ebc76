import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import type { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { telegram as telegramModule } from '../../adapters/telegram/module.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText } from '../telegram/updates.ts';

const HOOK = '/telegram/hook';
const HOOK_SECRET = 'abuse-test-webhook-secret';
const SIGNING_SECRET = 'abuse-test-signing-secret';
const LIMITS = { bodyBytes: 64 * 1024, headersTimeoutMs: 500, requestTimeoutMs: 1500 };

interface RawResult {
  /** Status of the first response, null when the server closed without one. */
  status: number | null;
  /** Whether the server closed the connection before `maxMs`. */
  closed: boolean;
  text: string;
}

/** Writes raw bytes on a fresh connection, optionally more later, and reads until the server closes. */
function rawRequest(
  port: number,
  parts: (string | Buffer)[],
  options: { gapMs?: number; maxMs?: number } = {},
) {
  const { gapMs = 0, maxMs = 8000 } = options;
  return new Promise<RawResult>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => finish(), maxMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : null, closed, text });
    };
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed) return;
        socket.write(part);
      }
    });
  });
}

describe.each(TEST_DATABASES)('public endpoints under abuse ($name)', (kind) => {
  let database: Database;
  let telegramApi: FakeTelegramApi;
  let slackApi: FakeSlackApi;
  let app: TestHearth;
  let port: number;
  let signer: SlackRequestSigner;

  beforeAll(async () => {
    database = await kind.open();
    telegramApi = await FakeTelegramApi.start({ username: BOT_USERNAME });
    slackApi = await FakeSlackApi.start();
    const env = {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: telegramApi.url,
      TELEGRAM_WEBHOOK_URL: `https://bot.example.test${HOOK}`,
      TELEGRAM_WEBHOOK_SECRET: HOOK_SECRET,
    };
    const telegram = (await telegramModule.create(env, new CapturingLogger())) as TelegramAdapter | null;
    if (!telegram) throw new Error('no telegram adapter');
    const slack = new SlackAdapter({
      botToken: 'xoxb-abuse',
      signingSecret: SIGNING_SECRET,
      apiUrl: slackApi.apiUrl,
      ownersChannel: 'COWNERS',
      log: new CapturingLogger(),
    });
    app = await startTestHearth({ database, adapters: [telegram, slack], env, httpLimits: LIMITS });
    port = Number(new URL(app.baseUrl).port);
    signer = new SlackRequestSigner(SIGNING_SECRET, `${app.baseUrl}/slack/events`, slackApi);
  });
  afterAll(async () => {
    await app?.stop();
    await telegramApi?.close();
    await slackApi?.close();
  });

  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const hookHeaders = { 'x-telegram-bot-api-secret-token': HOOK_SECRET };
  const big = 'x'.repeat(LIMITS.bodyBytes + 1);

  it('refuses bodies over the limit with a 413 on every endpoint, declared or streamed', async () => {
    const oversized = JSON.stringify({ update_id: 1, text: big });
    expect((await post(HOOK, oversized, hookHeaders)).status).toBe(413);
    expect((await post('/slack/events', oversized)).status).toBe(413);
    expect((await post('/console/api/messages', oversized)).status).toBe(413);
    // Chunked (no Content-Length): counted as it arrives.
    for (const path of [HOOK, '/slack/events', '/console/api/messages']) {
      const chunked = await rawRequest(port, [
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `X-Telegram-Bot-Api-Secret-Token: ${HOOK_SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ...Array.from({ length: 20 }, () => `2000\r\n${'y'.repeat(0x2000)}\r\n`),
        '0\r\n\r\n',
      ]);
      expect(chunked.status, path).toBe(413);
    }
  });

  it('answers malformed bodies with a clear 4xx, never a 500', async () => {
    const cases: [string, string, Record<string, string>, number[]][] = [
      [HOOK, '{not json', hookHeaders, [400]],
      [HOOK, '', hookHeaders, [400]],
      [HOOK, 'null', hookHeaders, [400]],
      [HOOK, '[1,2]', hookHeaders, [400]],
      [HOOK, '{"update_id":"1"}', hookHeaders, [400]],
      [HOOK, '{"update_id":1}', {}, [401]],
      ['/slack/events', '{not json', {}, [401]],
      ['/slack/events', '', {}, [401]],
      ['/slack/events', 'null', {}, [400]],
      ['/slack/events', '{"type":"event_callback"}', {}, [401]],
      ['/console/api/messages', '{not json', {}, [400]],
      ['/console/api/messages', '', {}, [400]],
      ['/console/api/messages', 'null', {}, [400]],
      ['/console/api/messages', '[]', {}, [400]],
      ['/console/api/messages', '{"platform":"telegram"}', {}, [400]],
      [
        '/console/api/messages',
        '{"__proto__":{"x":1},"platform":"twitter","userId":"u","text":"hi"}',
        {},
        [400],
      ],
      ['/console/api/messages', 'text', { 'content-type': 'text/plain' }, [415]],
      ['/console/api/messages', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }, [415]],
      [
        '/console/api/votes',
        '{"platform":"twitter","userId":"u","pollRef":"p","optionIds":[1e309]}',
        {},
        [400],
      ],
      ['/console/api/actions', '{"platform":"twitter","userId":"u\\u0000","actionId":"a"}', {}, [400]],
    ];
    for (const [path, body, headers, expected] of cases) {
      const res = await post(path, body, headers);
      expect(expected, `${path} ${body.slice(0, 40)} → ${res.status}`).toContain(res.status);
    }
  });

  it('signed Slack bodies that are not objects get a 4xx, and nothing crashes', async () => {
    for (const body of [
      'null',
      '[]',
      '"text"',
      '42',
      '{"type":"event_callback"}',
      '{"type":"event_callback","event":null}',
    ]) {
      const res = await signer.post(body, 'application/json');
      expect(res.status, body).toBeLessThan(500);
    }
    const form = await signer.post('payload=%7Bnot%20json', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(400);
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });

  it('odd methods, paths and headers get a 4xx', async () => {
    expect((await fetch(`${app.baseUrl}${HOOK}`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/slack/events`, { method: 'PUT' })).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/console/api/%E0%A4%A`)).status).toBeLessThan(500);
    const huge = await rawRequest(port, [
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'z'.repeat(64 * 1024)}\r\n\r\n`,
    ]);
    expect(huge.status).toBe(431);
    const garbage = await rawRequest(port, ['NOT HTTP AT ALL\r\n\r\n']);
    expect(garbage.status).toBe(400);
  });

  it('cuts slow clients: headers that never end and bodies that never arrive get a 408', async () => {
    const started = Date.now();
    const slowHeaders = await rawRequest(port, [`POST ${HOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\n`]);
    expect(slowHeaders.closed).toBe(true);
    expect(slowHeaders.status).toBe(408);
    for (const path of [HOOK, '/slack/events', '/console/api/messages']) {
      const slowBody = await rawRequest(port, [
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `X-Telegram-Bot-Api-Secret-Token: ${HOOK_SECRET}\r\nContent-Length: 1000\r\n\r\n{"update_id":`,
      ]);
      expect(slowBody.closed, path).toBe(true);
      expect(slowBody.status, path).toBe(408);
    }
    // A trickle (a byte every 200 ms) is cut by the whole-request deadline too.
    const trickle = await rawRequest(
      port,
      [
        `POST /console/api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
        ...Array.from({ length: 60 }, () => ' '),
      ],
      { gapMs: 200, maxMs: 10_000 },
    );
    expect(trickle.closed).toBe(true);
    expect(trickle.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(40_000);
  });

  it('still serves well-formed traffic afterwards', async () => {
    const update = JSON.stringify({ update_id: 77, ...privateText(4242, '/help') });
    expect((await post(HOOK, update, hookHeaders)).status).toBe(200);
    await telegramApi.waitFor(() => telegramApi.sent(4242)[0], 15_000, 'the reply');
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });
});
