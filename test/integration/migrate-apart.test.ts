import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { openMigratedDatabase } from '../../src/db/migrate-apart.ts';

const root = mkdtempSync(join(tmpdir(), 'hearth-migrate-apart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('opening the embedded data folder', () => {
  it('a new folder comes from the migrated template: nothing is left to migrate', async () => {
    const database = await openMigratedDatabase({ dataDir: join(root, 'fresh') });
    try {
      expect(await database.upToDate()).toBe(true);
      expect(await database.migrate()).toEqual([]);
    } finally {
      await database.close();
    }
  }, 240_000);

  it('a folder behind the migrations is migrated by a child process, then opened', async () => {
    const dataDir = join(root, 'behind');
    const empty = await openDatabase({ dataDir });
    await empty.prisma.$executeRawUnsafe('DROP SCHEMA public CASCADE');
    await empty.prisma.$executeRawUnsafe('CREATE SCHEMA public');
    expect(await empty.upToDate()).toBe(false);
    await empty.close();

    const database = await openMigratedDatabase({ dataDir });
    try {
      expect(await database.upToDate()).toBe(true);
      expect(await database.migrate()).toEqual([]);
      expect(await database.prisma.member.count()).toBe(0);
    } finally {
      await database.close();
    }
  }, 240_000);

  it('says which folder could not be migrated when the child fails', async () => {
    const dataDir = join(root, 'conflicting');
    const broken = await openDatabase({ dataDir });
    await broken.prisma.$executeRawUnsafe('DROP SCHEMA public CASCADE');
    await broken.prisma.$executeRawUnsafe('CREATE SCHEMA public');
    // A table the first migration creates, already there in another shape: that migration fails.
    await broken.prisma.$executeRawUnsafe('CREATE TABLE "member" (x int)');
    await broken.close();
    await expect(openMigratedDatabase({ dataDir })).rejects.toThrow(
      /migrating the embedded database .*conflicting failed/,
    );
  }, 240_000);
});
