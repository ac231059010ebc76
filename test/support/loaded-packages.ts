import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** An import specifier for a file of the project (`src/...`, `adapters/...`), for a script's body. */
export function projectModule(path: string): string {
  return JSON.stringify(pathToFileURL(join(ROOT, path)).href);
}

/**
 * Runs `body` (an ES module; import project files with `projectModule`) in a fresh Node process and
 * returns which of `packages` it had loaded by its end. Only CommonJS packages show (they are in
 * Node's module cache). A process of its own: the test runner's module cache is shared. A file, not
 * --eval: a worker thread it starts (the embedded database's) inherits the process's flags.
 */
export function packagesLoadedBy(body: string, packages: readonly string[]): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'hearth-loaded-packages-'));
  try {
    const file = join(folder, 'probe.mts');
    writeFileSync(
      file,
      `import { createRequire } from 'node:module';
${body}
const cache = Object.keys(createRequire(import.meta.url).cache);
const packages = ${JSON.stringify(packages)};
console.log(JSON.stringify(packages.filter((name) => cache.some((path) => path.includes('/node_modules/' + name + '/')))));
`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
