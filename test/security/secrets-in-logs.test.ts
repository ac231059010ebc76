import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS, createAdapters } from '../../adapters/registry.ts';
import { loadConfig } from '../../src/config.ts';
import { Secrets } from '../../src/core/secrets.ts';
import { Hearth } from '../../src/hearth.ts';
import { createLogger } from '../../src/logger.ts';
import { secretsOf } from '../../src/secrets.ts';
import { ChildHearth, freePort } from '../broadcasts/child-hearth.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { FakeXApi } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { groupText, privateText } from '../telegram/updates.ts';

/** Known credentials: none of them may appear in any log line, at any level. */
const KNOWN = {
  TELEGRAM_BOT_TOKEN: '7123456:AAHknownTelegramSecretPart_0123456789',
  TELEGRAM_WEBHOOK_SECRET: 'known-webhook-secret-0123456789',
  SLACK_BOT_TOKEN: 'xoxb-111-222-knownSlackBotToken0123',
  SLACK_SIGNING_SECRET: 'known-slack-signing-secret-0123456789',
  CONSOLE_TOKEN: 'known-console-token-0123456789',
  SUPPORT_LLM_API_KEY: 'sk-known-llm-api-key-0123456789',
  DISCORD_BOT_TOKEN: 'known-discord-token-0123456789',
  X_APP_KEY: 'known-x-app-key-0123456789',
  X_APP_SECRET: 'known-x-app-secret-0123456789',
  X_ACCESS_TOKEN: 'known-x-access-token-0123456789',
  X_ACCESS_SECRET: 'known-x-access-secret-0123456789',
};
const TELEGRAM_SECRET_HALF = KNOWN.TELEGRAM_BOT_TOKEN.split(':')[1] ?? '';
const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';
const WAIT_MS = 30_000;

/** Each secret found in `output`, in any of the forms it travels in. */
function leaksIn(output: string): string[] {
  const values = [...Object.values(KNOWN), TELEGRAM_SECRET_HALF];
  return values.filter((value) => output.includes(value) || output.includes(encodeURIComponent(value)));
}

describe('the secret registry', () => {
  it('redacts every registered value in every form, and nothing else', () => {
    const secrets = new Secrets([KNOWN.SLACK_BOT_TOKEN, 'a"b\\c-quoted-secret', undefined, 'short']);
    expect(secrets.redact(`Bearer ${KNOWN.SLACK_BOT_TOKEN} ok`)).toBe('Bearer [redacted] ok');
    expect(secrets.redact(JSON.stringify({ v: 'a"b\\c-quoted-secret' }))).toBe('{"v":"[redacted]"}');
    expect(secrets.redact(`x=${encodeURIComponent('a"b\\c-quoted-secret')}`)).toBe('x=[redacted]');
    expect(secrets.redact('short and sweet')).toBe('short and sweet');
  });

  it('the production logger writes no registered secret, whatever is logged (errors, nested fields)', () => {
    const lines: string[] = [];
    const log = createLogger('trace', new Secrets([KNOWN.TELEGRAM_BOT_TOKEN]), {
      write: (line: string) => lines.push(line),
    });
    const url = `http://127.0.0.1:1/bot${KNOWN.TELEGRAM_BOT_TOKEN}/getMe`;
    log.error({ err: new Error(`request to ${url} failed`) }, 'failed');
    log.debug({ nested: { deeper: [url] }, headers: { authorization: 'Bearer not-registered-123' } }, url);
    log.child({ url }).info('child');
    expect(lines).toHaveLength(3);
    expect(leaksIn(lines.join(''))).toEqual([]);
    expect(lines.join('')).not.toContain('not-registered-123');
    expect(lines.join('')).toContain('[redacted]');
  });
});

/**
 * Hearth as a process (adapters/main.ts, the production logger at LOG_LEVEL=trace) with known tokens,
 * driven end to end through Telegram (long polling, then webhook) and Slack (HTTP mode), with the
 * failures that make SDKs quote URLs and requests in their errors: every line it writes is scanned.
 */
// Real processes started with tsx: under a loaded machine each start can take many seconds.
describe('secrets stay out of the logs of a running Hearth', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const started: { close(): Promise<void> }[] = [];
  /** The X credentials are set too: X talks to a fake on 127.0.0.1, never to api.x.com. */
  let xApiUrl = '';
  let child: ChildHearth | undefined;

  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-secrets-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(() => {
    dirs.length = 0;
  });
  afterAll(async () => {
    await child?.kill();
    for (const fake of started) await fake.close().catch(() => {});
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function fakes() {
    const telegram = await FakeTelegramApi.start();
    const slack = await FakeSlackApi.start();
    const discord = await FakeDiscordApi.start();
    const x = await FakeXApi.start();
    started.push(telegram, slack, discord, x);
    xApiUrl = x.url;
    return { telegram, slack, discord };
  }

  /** Owner traffic on Slack: a command, a forged request, a send that fails once, a thread message. */
  async function slackTraffic(baseUrl: string, slack: FakeSlackApi): Promise<void> {
    const signer = new SlackRequestSigner(KNOWN.SLACK_SIGNING_SECRET, `${baseUrl}/slack/events`, slack);
    // 503 until Slack's adapter has started (after /health answers).
    await until(
      async () =>
        (await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text: 'stats' })).status !== 503,
      'the Slack endpoint ready',
      WAIT_MS,
    );
    await slack.waitForMessages(OWNERS, 1, WAIT_MS);
    const forged = await signer.slashCommand(
      { userId: OWNER, channelId: OWNERS, text: 'topics' },
      { secret: 'wrong-secret' },
    );
    expect(forged.status).toBe(401);
    slack.failNext('chat.postMessage', { kind: 'server-error' });
    slack.failNext('chat.postMessage', { kind: 'error', error: 'invalid_auth' });
    expect((await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text: 'help' })).status).toBe(200);
    await signer.message({ userId: OWNER, channelId: OWNERS, text: 'hello team' });
    await until(() => slack.callsTo('chat.postMessage').length >= 3, 'the failing Slack sends', WAIT_MS);
  }

  /**
   * Telegram answers that are not JSON (a proxy's HTML 404): node-fetch's error then quotes the whole
   * Bot API URL, token included, and telegraf does not redact it. Once for a send (mapped to a core
   * error by the adapter) and once for a chat-admin check (the SDK's error logged as it is).
   */
  async function telegramHtmlFailures(
    telegram: FakeTelegramApi,
    deliver: (update: Record<string, unknown>) => Promise<void>,
  ) {
    const htmlPage = { kind: 'server-error', status: 404 } as const;
    telegram.failNext(htmlPage, { method: 'sendMessage', chatId: 5301 });
    await deliver(privateText(5301, '/help'));
    await telegram.waitFor(() => telegram.sent(5301)[0], WAIT_MS, 'the reply sent again after the failure');
    telegram.failNext(htmlPage, { method: 'getChatMember' });
    await deliver(groupText(-1005302, 5302, '/subscribe news'));
    await telegram.waitFor(() => telegram.sent(-1005302)[0], WAIT_MS, 'the group reply');
  }

  async function expectNoLeaks(running: ChildHearth, errorsSeen: RegExp[]): Promise<void> {
    const health = await (await fetch(`${running.baseUrl}/health`)).text();
    expect(leaksIn(health)).toEqual([]);
    await running.stop();
    const output = running.everything.join('');
    // The failures did happen and were logged (else this test would prove nothing) ...
    for (const seen of errorsSeen) expect(output).toMatch(seen);
    // ... and no line at any level carries a secret.
    const leaking = output.split('\n').filter((line) => leaksIn(line).length > 0);
    expect(leaking).toEqual([]);
  }

  it('Telegram long polling, Slack HTTP mode, a failing LLM endpoint and a wrong console token', async () => {
    const { telegram, slack, discord } = await fakes();
    const deadPort = await freePort();
    child = await ChildHearth.start({
      ...KNOWN,
      DISCORD_API_URL: discord.apiUrl,
      X_API_URL: xApiUrl,
      TELEGRAM_WEBHOOK_SECRET: '',
      TELEGRAM_API_ROOT: telegram.url,
      SLACK_API_URL: slack.apiUrl,
      SLACK_OWNERS_CHANNEL: OWNERS,
      SUPPORT_LLM_URL: `http://127.0.0.1:${deadPort}/v1`,
      LOG_LEVEL: 'trace',
      OUTBOX_POLL_MS: '50',
      HEARTH_DATA_DIR: dataDir(),
    });
    const running = child;
    telegram.pushUpdate(KNOWN.TELEGRAM_BOT_TOKEN, privateText(5101, 'when are you open?'));
    await telegram.waitFor(() => telegram.sent(5101)[0], WAIT_MS, 'the FAQ answer');
    await slackTraffic(running.baseUrl, slack);
    const console = await fetch(`${running.baseUrl}/console/api/platforms`, {
      headers: { authorization: 'Bearer wrong-console-token' },
    });
    expect(console.status).toBe(401);
    await telegramHtmlFailures(telegram, async (update) => {
      telegram.pushUpdate(KNOWN.TELEGRAM_BOT_TOKEN, update);
    });
    await expectNoLeaks(running, [
      /support-llm.*unreachable/,
      /invalid json response body at http:\/\/127\.0\.0\.1:\d+\/bot<token>\/sendMessage/,
      /could not check chat admin/,
      /bot\[redacted\]\/getChatMember/,
    ]);
    child = undefined;
  });

  it('Telegram webhook and Slack HTTP mode, with forged and malformed posts and failing sends', async () => {
    const { telegram, slack, discord } = await fakes();
    child = await ChildHearth.start({
      ...KNOWN,
      DISCORD_API_URL: discord.apiUrl,
      X_API_URL: xApiUrl,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.test/telegram/hook',
      SLACK_API_URL: slack.apiUrl,
      SLACK_OWNERS_CHANNEL: OWNERS,
      LOG_LEVEL: 'trace',
      OUTBOX_POLL_MS: '50',
      HEARTH_DATA_DIR: dataDir(),
    });
    const running = child;
    const hook = (body: string, secret = KNOWN.TELEGRAM_WEBHOOK_SECRET) =>
      fetch(`${running.baseUrl}/telegram/hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body,
      });
    // /health answers once the server listens; the webhook once Telegram's adapter has started (503 until).
    const first = JSON.stringify({ update_id: 1, ...privateText(5201, '/help') });
    await until(async () => (await hook(first)).status !== 503, 'the webhook ready', WAIT_MS);
    await telegram.waitFor(() => telegram.sent(5201)[0], WAIT_MS, 'the webhook reply');
    expect((await hook('{}', 'wrong-secret')).status).toBe(401);
    expect((await hook('{not json')).status).toBe(400);
    // Slack's full traffic ran in the test above; here a forged request.
    const signer = new SlackRequestSigner(
      KNOWN.SLACK_SIGNING_SECRET,
      `${running.baseUrl}/slack/events`,
      slack,
    );
    const forged = await signer.message(
      { userId: OWNER, channelId: OWNERS, text: 'hi' },
      { secret: 'nope-nope' },
    );
    expect(forged.status).toBe(401);
    let updateId = 10;
    await telegramHtmlFailures(telegram, async (update) => {
      updateId += 1;
      const body = JSON.stringify({ update_id: updateId, ...update });
      const first = await hook(body);
      // In a group, a failed admin check is not a "no": the update is answered 500 and Telegram
      // delivers it again (the check then succeeds).
      const inGroup = JSON.stringify(update.message ?? {}).includes('"type":"supergroup"');
      const status = inGroup && first.status === 500 ? (await hook(body)).status : first.status;
      expect(status).toBe(200);
    });
    await expectNoLeaks(running, [
      /telegram webhook refused/,
      /slack request rejected/,
      /bot<token>\/sendMessage/,
      /bot\[redacted\]\/getChatMember/,
    ]);
    child = undefined;
  });

  it('an adapter that cannot start: its error (the Bot API URL with the token) is redacted in the log and in /health', async () => {
    const database = await TEST_DATABASES[0]?.open();
    if (!database) throw new Error('no test database');
    const { telegram, discord } = await fakes();
    telegram.failNext({ kind: 'server-error', status: 404 }, { method: 'getMe' });
    const env = {
      ...KNOWN,
      DISCORD_API_URL: discord.apiUrl,
      X_API_URL: xApiUrl,
      TELEGRAM_WEBHOOK_SECRET: '',
      TELEGRAM_API_ROOT: telegram.url,
      SLACK_BOT_TOKEN: '',
      NODE_ENV: 'test',
      PORT: '0',
    };
    const config = loadConfig(env, ADAPTER_SETTINGS);
    const lines: string[] = [];
    const secrets = secretsOf(env, ADAPTER_SETTINGS);
    const log = createLogger('trace', secrets, { write: (line: string) => lines.push(line) });
    const adapters = await createAdapters(config, env, log);
    const hearth = new Hearth({ config, log, database, adapters, secrets });
    try {
      await hearth.start();
      const health = await (await fetch(`http://127.0.0.1:${hearth.port}/health`)).text();
      expect(health).toMatch(/"platform":"telegram","started":false/);
      expect(health).toContain('[redacted]');
      expect(leaksIn(health)).toEqual([]);
    } finally {
      await hearth.stop();
    }
    const output = lines.join('');
    expect(output).toMatch(/telegram adapter failed to start/);
    expect(output).toContain(`/bot[redacted]/getMe`);
    expect(leaksIn(output)).toEqual([]);
  });
});
