import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS } from '../../adapters/registry.ts';
import { loadConfig } from '../../src/config.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'adapters', 'main.ts');
/** tsx's loader by path: the working directory is a folder without node_modules. */
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Starts `npm start`'s entry point in `cwd`; resolves with its exit code and stderr. */
function runHearthIn(cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth did not exit; stderr: ${stderr}`));
    }, 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** Issue 23 item 8: `.env` is read as `.env.example` says, never over the real environment. */
describe('settings from .env', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-dotenv-'));
    writeFileSync(join(dir, '.env'), 'OUTBOX_POLL_MS=not-a-number\nPORT=not-a-port\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env from the working directory', async () => {
    const { code, stderr } = await runHearthIn(dir, {});
    expect(code).not.toBe(0);
    expect(stderr).toContain('OUTBOX_POLL_MS');
    expect(stderr).toContain('PORT');
  });

  it('never overrides a variable set in the real environment', async () => {
    const { code, stderr } = await runHearthIn(dir, { OUTBOX_POLL_MS: '250' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT');
    expect(stderr).not.toContain('OUTBOX_POLL_MS');
  });

  it('.env.example states the defaults the code uses', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const config = loadConfig({}, ADAPTER_SETTINGS);
    expect(example).toContain(`(default ${config.PGLITE_SHARED_BUFFERS}`);
    expect(example).toContain(`PGLITE_SHARED_BUFFERS=${config.PGLITE_SHARED_BUFFERS}`);
    expect(example).toMatch(new RegExp(`BUSINESS_NAME=${config.BUSINESS_NAME}\\b`));
  });
});

/** Issue 23 items 8 and 11: the README is for people who run Hearth and names every setting. */
describe('the README', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

  it('lists every variable of .env.example, BUSINESS_NAME included', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] ?? '');
    // NODE_ENV is the usual Node switch, not a Hearth setting.
    expect(names.filter((name) => name !== 'NODE_ENV' && !readme.includes(`\`${name}\``))).toEqual([]);
    expect(readme).toContain('`BUSINESS_NAME`');
  });

  it('stays under 15 KB, with the figures in docs/benchmarks.md', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(15_000);
    expect(readme).toContain('docs/benchmarks.md');
    const benchmarks = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md'), 'utf8');
    expect(benchmarks).toContain('npm run bench:inbound');
  });
});
