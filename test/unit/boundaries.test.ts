import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Packages that belong to adapters/, never to the platform-neutral core. */
const SDKS = ['telegraf', '@telegraf/', '@slack/', 'discord.js', '@discordjs/', 'twitter-api-v2'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file imports, re-exports or loads dynamically. */
function importsOf(code: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...code.matchAll(pattern)].map((m) => m[1] ?? '');
}

describe('src/ stays platform-neutral', () => {
  const files = sourceFiles(SRC);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('never imports a platform SDK or adapters/', () => {
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        const sdk = SDKS.some((s) => specifier === s || specifier.startsWith(s.endsWith('/') ? s : `${s}/`));
        const adapters =
          specifier.startsWith('.') && join(file, '..', specifier).startsWith(join(ROOT, 'adapters'));
        if (sdk || adapters) offences.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('has no `any` type', () => {
    const offences = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /(:\s*any\b|\bas\s+any\b|<any>|any\[\])/.test(line.replace(/\/\/.*$|\/\*.*\*\//g, ''))
            ? [`${relative(ROOT, file)}:${i + 1}`]
            : [],
        ),
    );
    expect(offences).toEqual([]);
  });

  it('the checker catches an offending import', () => {
    expect(importsOf("import { Telegraf } from 'telegraf';\nconst s = await import('@slack/bolt');")).toEqual(
      ['telegraf', '@slack/bolt'],
    );
  });
});
