import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAdapter, ConsoleHub } from '../../adapters/console/index.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { Hearth } from '../../src/hearth.ts';
import { assertConsoleProtected, isLoopbackHost, tokenMatches } from '../../src/http/exposure.ts';
import { HttpServer } from '../../src/http/server.ts';
import { ChildHearth } from '../broadcasts/child-hearth.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { testConfig } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';

const TOKEN = 'console-test-token-0123456789abcdef';
const OWNER_REQUEST = {
  platform: 'slack',
  chatId: '#owners',
  userId: 'U-anyone',
  text: '/hearth subscribers',
};

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// Real processes started with tsx: under a loaded machine each start can take many seconds.
describe('the console as a process on a public interface (adapters/main.ts)', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  let child: ChildHearth | undefined;
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-exposure-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await child?.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on HOST=0.0.0.0 without CONSOLE_TOKEN: exit 1, one line naming both ways out, nothing opened', async () => {
    const dir = join(dataDir(), 'data');
    const { code, output } = await ChildHearth.runToExit({ HOST: '0.0.0.0', HEARTH_DATA_DIR: dir });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^hearth: refusing to serve the owner console without a token on HOST=0\.0\.0\.0/,
    );
    expect(lines[0]).toContain('set CONSOLE_TOKEN');
    expect(lines[0]).toContain('CONSOLE_ENABLED=false');
    // Refused before the database: the data folder was never created.
    expect(readdirSync(join(dir, '..'))).toEqual([]);
  });

  it('with CONSOLE_TOKEN it starts; the API answers the owner only with the token, however the path is spelled', async () => {
    child = await ChildHearth.start({ HOST: '0.0.0.0', CONSOLE_TOKEN: TOKEN, HEARTH_DATA_DIR: dataDir() });
    const api = `${child.baseUrl}/console/api/messages`;
    expect((await postJson(api, OWNER_REQUEST)).status).toBe(401);
    expect(
      (await postJson(api, OWNER_REQUEST, { authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}` })).status,
    ).toBe(401);
    expect((await postJson(api, OWNER_REQUEST, { authorization: TOKEN })).status).toBe(401);
    for (const spelled of [
      '/%63onsole/api/messages',
      '/console/api/%6Dessages',
      '/console/api/messages?x=1',
    ]) {
      expect((await postJson(`${child.baseUrl}${spelled}`, OWNER_REQUEST)).status, spelled).toBe(401);
    }
    const feed = await fetch(`${child.baseUrl}/console/api/feed`);
    expect(feed.status).toBe(401);
    // /health answers once the server listens; the console's platforms a moment later (400 until).
    const allowed = await until(async () => {
      const answer = await postJson(api, OWNER_REQUEST, { authorization: `Bearer ${TOKEN}` });
      return answer.status === 400 ? undefined : answer;
    }, 'the console simulating slack');
    expect(allowed.status).toBe(200);
    expect(JSON.stringify(allowed.body.replies)).toMatch(/Subscriptions: 0/);
    await child.stop();
    child = undefined;
  });

  it('with CONSOLE_ENABLED=false on 0.0.0.0 it starts and serves no console at all', async () => {
    child = await ChildHearth.start({
      HOST: '0.0.0.0',
      CONSOLE_ENABLED: 'false',
      HEARTH_DATA_DIR: dataDir(),
    });
    expect((await postJson(`${child.baseUrl}/console/api/messages`, OWNER_REQUEST)).status).toBe(404);
    expect((await fetch(`${child.baseUrl}/health`)).status).toBe(200);
    await child.stop();
    child = undefined;
  });
});

describe('the documented deployment (Procfile)', () => {
  /** The Procfile's web line run by a shell, with `npm start` replaced by a print of the settings it gets. */
  function webSettings(env: Record<string, string>): Record<string, string> {
    const web = /^web:\s*(.*)$/m.exec(readFileSync('Procfile', 'utf8'))?.[1] ?? '';
    expect(web).toContain('npm start');
    const print = `node -e 'console.log(JSON.stringify({HOST: process.env.HOST, CONSOLE_ENABLED: process.env.CONSOLE_ENABLED ?? ""}))'`;
    const out = execFileSync('sh', ['-c', web.replace('npm start', print)], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return JSON.parse(out.toString()) as Record<string, string>;
  }

  it('serves no console on its public interface unless asked, and then only with a token', () => {
    const plain = webSettings({});
    expect(plain.HOST).toBe('0.0.0.0');
    expect(() => assertConsoleProtected(loadConfig(plain))).not.toThrow();
    expect(loadConfig(plain).CONSOLE_ENABLED).toBe(false);
    const asked = webSettings({ CONSOLE_ENABLED: 'true' });
    expect(() => assertConsoleProtected(loadConfig(asked))).toThrow(/CONSOLE_TOKEN/);
    expect(() => assertConsoleProtected(loadConfig({ ...asked, CONSOLE_TOKEN: TOKEN }))).not.toThrow();
  });
});

describe('console protection rules', () => {
  it('only loopback hosts count as local', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      'LOCALHOST',
    ])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '127.0.0.1.nip.io', ''])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses a non-loopback HOST without a token unless the console is off', () => {
    expect(() => assertConsoleProtected({ HOST: '0.0.0.0', CONSOLE_ENABLED: true })).toThrow(ConfigError);
    expect(() => assertConsoleProtected({ HOST: '::', CONSOLE_ENABLED: true })).toThrow(/CONSOLE_TOKEN/);
    expect(() => assertConsoleProtected({ HOST: '0.0.0.0', CONSOLE_ENABLED: false })).not.toThrow();
    expect(() =>
      assertConsoleProtected({ HOST: '0.0.0.0', CONSOLE_ENABLED: true, CONSOLE_TOKEN: TOKEN }),
    ).not.toThrow();
    expect(() => assertConsoleProtected({ HOST: '127.0.0.1', CONSOLE_ENABLED: true })).not.toThrow();
  });

  it('compares tokens whole (no prefix, no other length)', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });

  it('without a token, answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
    const server = new HttpServer(new CapturingLogger(), { protectedPrefixes: ['/console'] });
    server.json('GET', '/console/api/platforms', async () => ({ body: { platforms: ['console'] } }));
    const port = await server.listen(0, '127.0.0.1');
    try {
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          // fetch() does not let a test set Host; node:http does.
          import('node:http').then(({ request }) =>
            request({ port, host: '127.0.0.1', path: '/console/api/platforms', headers: { host } }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
              .on('error', reject)
              .end(),
          );
        });
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
      expect(await get(`localhost:${port}`)).toBe(200);
      expect(await get(`evil.example:${port}`)).toBe(403);
      expect(await get('attacker.example')).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe.each(TEST_DATABASES)(
  'the console never acts as a platform a real adapter serves ($name)',
  (kind) => {
    let database: Database;
    let slack: SlackHearth | undefined;

    beforeAll(async () => {
      database = await kind.open();
    });
    afterAll(async () => {
      // Hearth's stop closes the database it was given.
      await (slack ? slack.stop() : database?.close());
    });

    it('refuses to build a Hearth with a console adapter for a platform that has a real one', () => {
      const real = new SlackAdapter({ botToken: 'xoxb-x', signingSecret: 's', log: new CapturingLogger() });
      const simulated = new ConsoleAdapter('slack', new ConsoleHub());
      expect(
        () =>
          new Hearth({
            config: testConfig(),
            log: new CapturingLogger(),
            database,
            adapters: [real, simulated],
            http: false,
          }),
      ).toThrow(/two adapters for slack/);
    });

    it('with the real Slack adapter running, a console request as Slack is refused and reaches no owner command', async () => {
      slack = await startSlackHearth(database, { owners: 'COWNERS', secret: 'exposure-secret' });
      const { app, fake } = slack;
      const refused = await app.post('/console/api/messages', { ...OWNER_REQUEST, chatId: 'COWNERS' });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toMatch(/does not simulate slack/);
      expect(fake.messages('COWNERS')).toEqual([]);
      expect(await database.prisma.processedEvent.count({ where: { platform: 'slack' } })).toBe(0);
    });
  },
);
