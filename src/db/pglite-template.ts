import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A PGlite data folder with every committed migration applied and no data, shipped with Hearth
 * (`pglite-template.tar.gz`, made by `npm run db:template`; the PGlite version and the migrations it
 * holds are in `pglite-template.json`). A new data folder is unpacked from it instead of running
 * PGlite's initdb (which peaks at about 800 MB of resident memory, far beyond the smallest hosting
 * plans) and the migrations (which leave ~45 MB behind in the process that runs them). Migrations
 * added after the template was made are applied at start as usual. When the installed PGlite is not
 * the one the template was made with, it is not used and PGlite creates the folder itself.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_PATH = join(HERE, 'pglite-template.tar.gz');
export const TEMPLATE_STAMP_PATH = join(HERE, 'pglite-template.json');

interface TemplateStamp {
  pglite: string;
  /** The migrations applied in the template, in order. */
  migrations?: string[];
}

/** The version of the installed @electric-sql/pglite package. */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function readStamp(stampPath: string): TemplateStamp | undefined {
  if (!existsSync(stampPath)) return undefined;
  return JSON.parse(readFileSync(stampPath, 'utf8')) as TemplateStamp;
}

/** The PGlite version the shipped template was made with; undefined when there is none. */
export function templateVersion(stampPath = TEMPLATE_STAMP_PATH): string | undefined {
  return readStamp(stampPath)?.pglite;
}

/** The migrations the shipped template holds, in order. */
export function templateMigrations(stampPath = TEMPLATE_STAMP_PATH): string[] {
  return readStamp(stampPath)?.migrations ?? [];
}

/**
 * Creates the data folder `location` (which must not exist) from the template; false, leaving nothing
 * behind, when the template is missing or was made with another PGlite version. It is unpacked next to
 * `location` and then renamed, so an interrupted unpacking never leaves a half folder there.
 */
export async function createFromTemplate(
  location: string,
  template = { path: TEMPLATE_PATH, stampPath: TEMPLATE_STAMP_PATH },
): Promise<boolean> {
  if (!existsSync(template.path) || templateVersion(template.stampPath) !== installedPgliteVersion()) {
    return false;
  }
  const partial = `${location}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await unpackApart(template.path, partial).catch(async () => {
      // No child process here (or it failed): unpack in this process instead.
      rmSync(partial, { recursive: true, force: true });
      await mkdir(partial, { recursive: true });
      const { x: extract } = await import('tar');
      await extract({ file: template.path, cwd: partial });
    });
    renameSync(partial, location);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return true;
}

/** Unpacks `file` into `folder` in a child process (pglite-template-unpack.mjs). */
function unpackApart(file: string, folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(HERE, 'pglite-template-unpack.mjs'), file, folder], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`unpacking failed: ${errors}`))));
  });
}

/**
 * Makes the template: a new in-memory PGlite (running initdb, in this process) with every committed
 * migration applied, dumped as a gzipped tar of its data folder, with the PGlite version and the
 * migrations beside it. Development only (`npm run db:template`): it loads the schema engine.
 */
export async function writeTemplate(
  template = { path: TEMPLATE_PATH, stampPath: TEMPLATE_STAMP_PATH },
): Promise<number> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const { applyMigrations } = await import('./schema-engine.ts');
  const pglite = new PGlite('memory://');
  try {
    await pglite.waitReady;
    const migrations = await applyMigrations(new PrismaPGlite(pglite));
    await pglite.exec('CHECKPOINT');
    const dump = await pglite.dumpDataDir('gzip');
    writeFileSync(template.path, Buffer.from(await dump.arrayBuffer()));
    const stamp: TemplateStamp = { pglite: installedPgliteVersion(), migrations };
    writeFileSync(template.stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
    return dump.size;
  } finally {
    await pglite.close();
  }
}
