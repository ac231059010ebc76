/**
 * Cold-start benchmark: `npm run bench:start`. Builds, then starts Hearth as `npm start` does (the
 * compiled entry with the same Node flags, read from package.json) on a fresh,
 * empty embedded data folder and measures the time until GET /health answers 200 (includes creating
 * the PGlite cluster and applying every migration); then once more on the same, now migrated, folder.
 * Prints human lines, then, last, one JSON line.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..');
/** `npm start` is `node <flags> dist/adapters/main.js` (after `prestart` builds): its arguments. */
const START_ARGS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .slice(1);
execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Milliseconds from spawning Hearth until /health answers 200. */
async function timeToHealth(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HEARTH_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hearth exited with ${child.exitCode}`);
      if (performance.now() - started > 120_000) throw new Error('no /health answer within 120 s');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-cold-start-'));
try {
  const freshMs = await timeToHealth(join(dir, 'data'));
  console.log(`fresh data folder (create + migrate): ${freshMs.toFixed(0)} ms to /health 200`);
  const warmMs = await timeToHealth(join(dir, 'data'));
  console.log(`existing data folder: ${warmMs.toFixed(0)} ms to /health 200`);
  console.log(JSON.stringify({ coldStartMs: Math.round(freshMs), restartMs: Math.round(warmMs) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
