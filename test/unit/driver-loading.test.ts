import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/**
 * Whether a fresh process has loaded the PostgreSQL driver (`pg`, CommonJS, so it shows in Node's
 * module cache) after opening the database with `options` and closing it again. A process of its
 * own: the test runner's module cache is shared. (tar and fast-png, also loaded only when needed,
 * are ES modules, which the cache does not list.)
 */
function driverLoadedOpening(options: Record<string, string>): boolean {
  const src = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, 'src', path)).href);
  const script = `
    import { createRequire } from 'node:module';
    import { openDatabase } from ${src('db/database.ts')};
    const db = await openDatabase(${JSON.stringify(options)});
    await db.close();
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(cache.some((path) => path.includes('/node_modules/pg/'))));
  `;
  // A file, not --eval: the embedded database's thread inherits the process's flags.
  const folder = mkdtempSync(join(tmpdir(), 'hearth-driver-loading-'));
  folders.push(folder);
  const file = join(folder, 'probe.mts');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? 'null') as boolean;
}

describe('the PostgreSQL driver is loaded only for PostgreSQL (resident memory)', () => {
  it('the embedded database, on a new folder, does not load the PostgreSQL driver', () => {
    const folder = mkdtempSync(join(tmpdir(), 'hearth-driver-loading-'));
    folders.push(folder);
    expect(driverLoadedOpening({ dataDir: join(folder, 'data') })).toBe(false);
  });

  it('PostgreSQL loads its driver (opening connects to nothing until the first query)', () => {
    expect(driverLoadedOpening({ url: 'postgres://nobody@127.0.0.1:1/none' })).toBe(true);
  });
});
