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

  it('src/app (the framework) never imports a feature', () => {
    const app = join(SRC, 'app');
    const offences = files
      .filter((file) => file.startsWith(app))
      .flatMap((file) =>
        importsOf(readFileSync(file, 'utf8'))
          .filter((s) => s.startsWith('.') && join(file, '..', s).startsWith(join(SRC, 'features')))
          .map((s) => `${relative(ROOT, file)} imports ${s}`),
      );
    expect(offences).toEqual([]);
  });

  it('has no import cycles between its modules (type-only imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const local = importsOf(readFileSync(file, 'utf8'))
        .filter((s) => s.startsWith('.'))
        .map((s) => join(file, '..', s))
        .filter((target) => target.startsWith(SRC) && !target.includes('generated'));
      graph.set(file, local);
    }
    expect(findCycles(graph).map((cycle) => cycle.map((f) => relative(SRC, f)).join(' → '))).toEqual([]);
  });

  it('the cycle finder finds a cycle', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('the checker catches an offending import', () => {
    expect(importsOf("import { Telegraf } from 'telegraf';\nconst s = await import('@slack/bolt');")).toEqual(
      ['telegraf', '@slack/bolt'],
    );
  });
});

/** Every cycle of a directed graph, each once (depth-first search, reported from where it closes). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'active');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'active') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
