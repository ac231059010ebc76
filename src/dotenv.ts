import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads a `.env` file (as `.env.example` describes) into `env`. Variables already set in the real
 * environment win: a deployment's settings are never overridden by a file left on disk. Returns the
 * names it set; a missing file sets nothing.
 */
export function loadDotEnv(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(path)) return [];
  const values = parseEnv(readFileSync(path, 'utf8'));
  const set: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}
