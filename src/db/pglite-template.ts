import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { x as extract } from 'tar';

/**
 * A freshly initialised, empty PGlite data folder, shipped with Hearth (`pglite-template.tar.gz`, made
 * by `npm run db:template` with the PGlite version in `pglite-template.json`). A new data folder is
 * unpacked from it instead of running PGlite's initdb, which peaks at about 800 MB of resident memory:
 * far beyond the smallest hosting plans. When the installed PGlite is not the one the template was made
 * with, it is not used and PGlite creates the folder itself, as before.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_PATH = join(HERE, 'pglite-template.tar.gz');
export const TEMPLATE_STAMP_PATH = join(HERE, 'pglite-template.json');

interface TemplateStamp {
  pglite: string;
}

/** The version of the installed @electric-sql/pglite package. */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The PGlite version the shipped template was made with; undefined when there is none. */
export function templateVersion(stampPath = TEMPLATE_STAMP_PATH): string | undefined {
  if (!existsSync(stampPath)) return undefined;
  return (JSON.parse(readFileSync(stampPath, 'utf8')) as TemplateStamp).pglite;
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
    await extract({ file: template.path, cwd: partial });
    renameSync(partial, location);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return true;
}

/**
 * Makes the template: a new in-memory PGlite (running initdb, in this process), dumped as a gzipped
 * tar of its data folder, with the PGlite version beside it.
 */
export async function writeTemplate(
  template = { path: TEMPLATE_PATH, stampPath: TEMPLATE_STAMP_PATH },
): Promise<number> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite('memory://');
  try {
    await pglite.waitReady;
    await pglite.exec('CHECKPOINT');
    const dump = await pglite.dumpDataDir('gzip');
    writeFileSync(template.path, Buffer.from(await dump.arrayBuffer()));
    writeFileSync(template.stampPath, `${JSON.stringify({ pglite: installedPgliteVersion() })}\n`);
    return dump.size;
  } finally {
    await pglite.close();
  }
}
