import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildHearth } from '../broadcasts/child-hearth.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { until } from '../support/until.ts';
import { privateText } from '../telegram/updates.ts';

const TOKEN = '5252:shutdown-test';

/** `npm start`'s entry point as a real process, stopped with SIGTERM while a send hangs. */
// Real processes started with tsx: under a loaded machine each start can take many seconds.
describe('stopping the process (SIGTERM)', { timeout: 120_000 }, () => {
  let dir: string;
  let fake: FakeTelegramApi;
  let child: ChildHearth | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-shutdown-'));
    fake = await FakeTelegramApi.start();
  });
  afterAll(async () => {
    await child?.kill();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}) =>
    ChildHearth.start({
      HEARTH_DATA_DIR: dir,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.url,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '1500',
      OUTBOX_POLL_MS: '50',
      OUTBOX_LEASE_MS: '2000',
      ...env,
    });
  const sendsTo = (chatId: number) =>
    fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.body.chat_id) === chatId).length;

  it('exits 1 after SHUTDOWN_TIMEOUT_MS when a send hangs, and the reply is sent after the restart', async () => {
    child = await start();
    fake.failNext({ kind: 'slow', ms: 30_000 }, { method: 'sendMessage' });
    fake.pushUpdate(TOKEN, privateText(4242, '/help'));
    await fake.waitFor(() => sendsTo(4242) === 1, 30_000, 'the reply send to start');

    expect(await child.stop()).toBe(1);
    const output = child.output.join('');
    expect(output).toMatch(/did not stop within 1500 ms; exiting anyway/);
    expect(fake.sent(4242)).toHaveLength(0); // the hung send never completed

    // The claimed row goes back to the queue when its lease ends: the restarted process sends it.
    child = await start();
    await fake.waitFor(() => fake.sent(4242).length === 1, 30_000, 'the reply after the restart');
    expect(fake.sent(4242)[0]?.text).toMatch(/help|subscribe/i);
  });

  it('exits 0 when everything stops in time', async () => {
    child ??= await start();
    fake.pushUpdate(TOKEN, privateText(4343, '/help'));
    await fake.waitFor(() => fake.sent(4343).length === 1, 30_000, 'the reply');
    expect(await child.stop()).toBe(0);
    expect(child.output.join('')).toMatch(/"msg":"stopped"/);
    child = undefined;
  });

  it('exits at once on a second signal while a stop is waiting for a hung send', async () => {
    await child?.stop();
    child = await start({ SHUTDOWN_TIMEOUT_MS: '60000' });
    fake.failNext({ kind: 'slow', ms: 30_000 }, { method: 'sendMessage' });
    fake.pushUpdate(TOKEN, privateText(4444, '/help'));
    await fake.waitFor(() => sendsTo(4444) === 1, 30_000, 'the reply send to start');
    const running = child;
    running.signal('SIGTERM');
    await until(async () => running.output.join('').includes('"msg":"stopping'), 'the stop to begin', 10_000);
    running.signal('SIGINT');
    // Killed by the second signal, not ended by the 60 s deadline (which would exit with code 1).
    expect(await running.exit()).toEqual({ code: null, signal: 'SIGINT' });
    child = undefined;
  });
});
