import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagesLoadedBy, projectModule } from '../support/loaded-packages.ts';

const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/**
 * Whether a fresh process has loaded the PostgreSQL driver (`pg`) after opening the database with
 * `options` and closing it again. (tar and fast-png, also loaded only when needed, are ES modules,
 * which the module cache does not list.)
 */
function driverLoadedOpening(options: Record<string, string>): boolean {
  const body = `
    import { openDatabase } from ${projectModule('src/db/database.ts')};
    const db = await openDatabase(${JSON.stringify(options)});
    await db.close();`;
  return packagesLoadedBy(body, ['pg']).includes('pg');
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
