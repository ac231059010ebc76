import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { TestProject } from 'vitest/node';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/db/schema-engine.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a PGlite data-dir dump with every migration applied. */
    pgliteTemplatePath: string;
  }
}

/** Hash of the migrations, so a cached template is rebuilt whenever they change. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) {
    const sql = join(MIGRATIONS_DIR, name, 'migration.sql');
    if (existsSync(sql)) hash.update(name).update(readFileSync(sql));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Opening PGlite and migrating costs seconds; doing it once per run and loading a dump per test
 * file costs a fraction of that.
 */
export default async function setup(project: TestProject): Promise<void> {
  const dir = join('node_modules', '.cache', 'hearth-test');
  const path = join(dir, `pglite-template-${migrationsHash()}.tar`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const pglite = new PGlite('memory://');
    await applyMigrations(new PrismaPGlite(pglite));
    const dump = await pglite.dumpDataDir('none');
    await pglite.close();
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  }
  project.provide('pgliteTemplatePath', path);
}
