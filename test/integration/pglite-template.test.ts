import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import {
  createFromTemplate,
  installedPgliteVersion,
  TEMPLATE_PATH,
  templateMigrations,
  templateVersion,
} from '../../src/db/pglite-template.ts';
import { readMigrationList } from '../../src/db/schema-engine.ts';

/** Postgres' cluster id: initdb draws a new one, a folder unpacked from the template has the template's. */
async function systemIdentifier(database: Database): Promise<string> {
  const [row] = await database.prisma.$queryRaw<{ id: string }[]>`
    SELECT system_identifier::text AS id FROM pg_control_system()`;
  return row?.id ?? '';
}

describe('new embedded data folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ship a template made with the installed PGlite and every committed migration (else: npm run db:template)', async () => {
    expect(templateVersion()).toBe(installedPgliteVersion());
    const committed = (await readMigrationList()).migrationDirectories.map((dir) => dir.path);
    expect(templateMigrations()).toEqual(committed);
  });

  it('are unpacked from the migrated template instead of running initdb and the migrations', async () => {
    const template = await openDatabase({
      dataDir: 'memory://',
      restoreFrom: new Blob([readFileSync(TEMPLATE_PATH)]),
    });
    const templateId = await systemIdentifier(template);
    await template.close();

    const database = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      expect(await systemIdentifier(database)).toBe(templateId);
      expect(await database.upToDate()).toBe(true);
      expect(await database.prisma.member.count()).toBe(0);
    } finally {
      await database.close();
    }
    expect(existsSync(join(dir, 'data', 'pgdata.partial'))).toBe(false);
  }, 120_000);

  it('do not use a template made with another PGlite version', async () => {
    const stampPath = join(dir, 'stamp.json');
    writeFileSync(stampPath, JSON.stringify({ pglite: '0.0.1' }));
    const location = join(dir, 'other');
    expect(await createFromTemplate(location, { path: TEMPLATE_PATH, stampPath })).toBe(false);
    expect(existsSync(location)).toBe(false);
  });
});
