import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DataDirLockedError } from '../../src/db/data-dir-lock.ts';
import { openDatabase } from '../../src/db/database.ts';
import { startTestHearth } from '../support/hearth.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `npm start`'s entry point with `env`; resolves with its exit code and output. */
function runHearth(env: Record<string, string>, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'adapters/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

// Real processes started with tsx: under a loaded machine each start can take many seconds.
describe('embedded database in a local folder', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-data-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps subscriptions and the consent ledger across a restart', async () => {
    const first = await startTestHearth({ database: await openDatabase({ dataDir: dir }) });
    const res = await first.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'ada',
      text: '/subscribe news',
    });
    expect(res.status).toBe(200);
    await first.stop();

    const second = await startTestHearth({ database: await openDatabase({ dataDir: dir }) });
    try {
      const db = second.hearth.services.db;
      expect(await db.subscription.count({ where: { topic: 'news' } })).toBe(1);
      expect(await db.consentEvent.count({ where: { action: 'subscribe', topic: 'news' } })).toBe(1);
      const topics = await second.post('/console/api/messages', {
        platform: 'telegram',
        userId: 'ada',
        text: '/topics',
      });
      expect(JSON.stringify(topics.body)).toMatch(/news/);
    } finally {
      await second.stop();
    }
  });

  it('refuses a second open of the same folder in this process, and allows it after close', async () => {
    const held = await openDatabase({ dataDir: dir });
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
    await held.close();
    const again = await openDatabase({ dataDir: dir });
    await again.close();
  });

  it('refuses while another live process holds the folder, and takes over a lock left by a dead one', async () => {
    const other: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'hearth.pid'), String(other.pid));
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(
        new RegExp(`in use by another Hearth process \\(pid ${other.pid}\\)`),
      );
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    const database = await openDatabase({ dataDir: dir });
    await database.close();
  });

  it('npm start on a folder in use exits with one clear line', async () => {
    const held = await openDatabase({ dataDir: dir });
    try {
      const { code, stderr } = await runHearth({ HEARTH_DATA_DIR: dir, PORT: '0' });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^hearth: The data folder .* is in use by another Hearth process/);
    } finally {
      await held.close();
    }
  });

  it('npm start with a malformed variable exits naming it', async () => {
    const { code, stderr } = await runHearth({ HEARTH_DATA_DIR: dir, PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'hearth: Invalid configuration: PORT: expected a whole number from 0 to 65535 (got "eighty")',
    );
  });
});

describe('embedded database settings', () => {
  it('keeps a small page cache and analyses from a small sample (WASM memory is never given back)', async () => {
    const database = await openDatabase({
      dataDir: 'memory://',
      restoreFrom: new Blob([readFileSync(inject('pgliteTemplatePath'))]),
      sharedBuffers: loadConfig({}).PGLITE_SHARED_BUFFERS, // as Hearth opens it
    });
    try {
      const show = async (setting: string) =>
        (await database.prisma.$queryRawUnsafe<Record<string, string>[]>(`SHOW ${setting}`))[0]?.[setting];
      expect(await show('default_statistics_target')).toBe('10');
      expect(await show('shared_buffers')).toBe('16MB');
    } finally {
      await database.close();
    }
  });
});
