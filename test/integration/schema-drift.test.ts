import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { describe, expect, it } from 'vitest';
import { diffMigrationsAgainstSchema, readMigrationList, SCHEMA_PATH } from '../../src/db/schema-engine.ts';

async function driftOf(schemaPath?: string): Promise<string | undefined> {
  const shadow = new PGlite('memory://');
  try {
    return await diffMigrationsAgainstSchema(new PrismaPGlite(shadow), schemaPath);
  } finally {
    await shadow.close();
  }
}

describe('schema.prisma and the committed migrations', () => {
  it('agree: applying every migration yields exactly the schema (else run `npm run db:migration -- <name>`)', async () => {
    const drift = await driftOf();
    expect(drift, `schema.prisma differs from the migrations by:\n${drift}`).toBeUndefined();
  }, 180_000);

  it('the check reports a model added to the schema without a migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-schema-'));
    try {
      const path = join(dir, 'schema.prisma');
      writeFileSync(path, `${readFileSync(SCHEMA_PATH, 'utf8')}\nmodel Unmigrated {\n  id Int @id\n}\n`);
      expect(await driftOf(path)).toMatch(/CREATE TABLE "Unmigrated"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('migrations are in Prisma’s own format (one folder per migration with migration.sql)', async () => {
    const list = await readMigrationList();
    expect(list.migrationDirectories.length).toBeGreaterThan(0);
    for (const dir of list.migrationDirectories) {
      expect(dir.path).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(dir.migrationFile.content).toMatchObject({ tag: 'ok' });
    }
  });
});
