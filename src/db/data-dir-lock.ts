import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Another live process holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/** Lock files this process holds (a pid match alone may be a stale file from a reused pid). */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the embedded database's folder for this process. Two processes on one PGlite folder
 * silently lose writes, so a second instance must refuse to start. The lock is a pid file created
 * exclusively; a file left by a dead process (kill -9, power loss) is taken over at once. A pid
 * file is used rather than a lock library with mtime-based staleness, which would make a restart
 * after a crash wait for the lock to go stale.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'hearth.pid');
  const key = resolve(path);
  if (heldHere.has(key)) {
    throw new DataDirLockedError(
      `The data folder ${dir} is already open in this process. Close the other Hearth first.`,
    );
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(key);
      return () => {
        heldHere.delete(key);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `The data folder ${dir} is in use by another Hearth process (pid ${holder}). ` +
            'Stop it first, use another HEARTH_DATA_DIR, or set DATABASE_URL to PostgreSQL to run several instances.',
        );
      }
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  throw new DataDirLockedError(`Could not lock the data folder ${dir}.`);
}
