import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { readMigrationList } from '../../src/db/schema-engine.ts';

describe('database.migrate()', () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('applies every committed migration once, then finds nothing to do; a failed one is still reported', async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    const committed = (await readMigrationList()).migrationDirectories.map((dir) => dir.path);

    expect(await database.migrate()).toEqual(committed);
    expect(await database.migrate()).toEqual([]);

    // A migration recorded as started but never finished is `migrate deploy`'s P3009: the
    // up-to-date shortcut must not hide it.
    const last = committed.at(-1) ?? '';
    await database.prisma.$executeRaw`
      UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = ${last}`;
    await expect(database.migrate()).rejects.toThrow(/failed migrations|P3009/);
  }, 180_000);
});
