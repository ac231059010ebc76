/** `npm run db:migration -- <name>`: writes the migration that brings the committed ones to schema.prisma. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { diffMigrationsAgainstSchema, MIGRATIONS_DIR } from './schema-engine.ts';

const name = (process.argv[2] ?? 'migration').replace(/\W+/g, '_').toLowerCase();
const shadow = new PGlite('memory://');
await shadow.waitReady;
const sql = await diffMigrationsAgainstSchema(new PrismaPGlite(shadow));
await shadow.close();
if (!sql) {
  console.log('No changes: the migrations already match prisma/schema.prisma.');
} else {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  writeFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
  console.log(`Created ${dir}`);
}
