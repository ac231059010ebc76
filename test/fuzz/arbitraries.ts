/**
 * Shared pieces of the property-based tests (fast-check): hostile values, real payloads with random
 * edits, the invariants every normalized event must hold, and the case counts each target ran.
 */
import fc from 'fast-check';
import { PLATFORMS } from '../../src/core/events.ts';

/** Case counts: moderate, so the suite stays fast on 2 cores; each target's count is printed. */
export const RUNS = { arbitrary: 1000, mutated: 2000, parser: 2000, endToEnd: 150 } as const;

const counted = new Map<string, number>();

/** Runs a property and records its case count under `target` (printed by `printCounts`). */
export function check<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => void,
  numRuns: number,
) {
  fc.assert(fc.property(arbitrary, property), { numRuns });
  counted.set(target, (counted.get(target) ?? 0) + numRuns);
}

/** The same for an async property. */
export async function checkAsync<T>(
  target: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  numRuns: number,
) {
  await fc.assert(fc.asyncProperty(arbitrary, property), { numRuns });
  counted.set(target, (counted.get(target) ?? 0) + numRuns);
}

export function printCounts(file: string): void {
  const lines = [...counted].map(([target, n]) => `  ${target}: ${n} cases`);
  console.log(`fuzz cases (${file}):\n${lines.join('\n')}`);
}

/** Strings as they can arrive: any UTF-16 (NUL, lone surrogates, emoji), markup, long ones. */
export const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\uD800',
      '\uDC00',
      '🔥',
      '週',
      '<',
      '>',
      '&',
      '"',
      '\\',
      ' ',
      '\n',
      '/',
      '@',
      '#',
      '|',
      ':',
    ),
    maxLength: 30,
  }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '/',
    '/start',
    '/hearth',
    '<!channel>',
    '&amp;',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 5 }).map((s) => s.repeat(3000)),
);

/** Any JSON-ish value (objects, arrays, numbers, hostile strings, null, undefined). */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3, stringUnit: 'binary', maxKeys: 6 }) },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, -1, 1.5, Number.NaN, true, [], {}) },
);

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out);
    }
  }
  return out;
}

type Edit = { at: number; kind: 'replace' | 'delete' | 'add'; key: string; value: unknown };

type Container = Record<string | number, unknown>;
const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

function applyEdit(root: unknown, edit: Edit): unknown {
  const value = structuredClone(edit.value); // fast-check reuses its values: never edit them in place
  const paths = pathsOf(root);
  const path = paths[edit.at % Math.max(paths.length, 1)];
  if (!path) return value;
  let parent: unknown = root;
  for (const step of path.slice(0, -1)) parent = isContainer(parent) ? parent[step] : undefined;
  if (!isContainer(parent)) return root;
  const last = path.at(-1) as string | number;
  const target = parent[last];
  if (edit.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (edit.kind === 'add' && isContainer(target) && !Array.isArray(target)) {
    // (JSON cannot give an array extra keys; an object any key, `constructor` and `__proto__` included.)
    Object.defineProperty(target, edit.key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    parent[last] = value;
  }
  return root;
}

/** One of `samples` (real payloads) with 1-4 random edits: values replaced, keys deleted or added. */
export function mutated(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  const edit: fc.Arbitrary<Edit> = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('replace', 'delete', 'add'),
    key: fc.oneof(hostileString, fc.constantFrom('text', 'id', 'user', 'chat', 'from', 'type', 'value')),
    value: anyValue,
  });
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([sample, edits]) => edits.reduce((root, e) => applyEdit(root, e), structuredClone(sample)));
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0;

/**
 * What every event reaching the core must hold: a non-empty id, chat and sender; texts that are
 * strings; a real date. Throws with what is wrong (fast-check shrinks to the smallest payload).
 */
export function assertEventShape(event: unknown): void {
  const problems: string[] = [];
  const e = event as Record<string, unknown> & {
    address?: Record<string, unknown>;
    sender?: Record<string, unknown>;
  };
  if (!nonEmpty(e.id)) problems.push('empty id');
  if (!(e.at instanceof Date) || Number.isNaN(e.at.getTime())) problems.push('no valid date');
  if (!PLATFORMS.includes(e.address?.platform as never)) problems.push('unknown platform');
  if (!nonEmpty(e.address?.chatId)) problems.push('empty chat id');
  if (e.address?.threadId !== undefined && !nonEmpty(e.address.threadId)) problems.push('empty thread id');
  if (!nonEmpty(e.sender?.userId)) problems.push('empty sender id');
  if (e.sender?.name !== undefined && typeof e.sender.name !== 'string') problems.push('name not a string');
  if (typeof e.sender?.isBot !== 'boolean') problems.push('isBot not a boolean');
  if (typeof e.isDirect !== 'boolean') problems.push('isDirect not a boolean');
  switch (e.kind) {
    case 'message':
      if (typeof e.text !== 'string') problems.push('text not a string');
      break;
    case 'command':
      if (!nonEmpty(e.name)) problems.push('empty command name');
      if (typeof e.args !== 'string' || typeof e.text !== 'string') problems.push('args/text not strings');
      break;
    case 'action':
      if (!nonEmpty(e.actionId)) problems.push('empty action id');
      if (e.value !== undefined && typeof e.value !== 'string') problems.push('value not a string');
      break;
    case 'vote': {
      if (!nonEmpty(e.pollRef)) problems.push('empty poll ref');
      const choice = e.choice as { set?: unknown; add?: unknown; remove?: unknown } | undefined;
      const options = choice?.set ?? [choice?.add ?? choice?.remove];
      if (!Array.isArray(options) || !options.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
        problems.push('option ids not whole numbers');
      }
      break;
    }
    case 'member':
      if (!['joined', 'left', 'blocked', 'unblocked'].includes(e.change as string))
        problems.push('bad change');
      break;
    default:
      problems.push(`unknown kind ${String(e.kind)}`);
  }
  if (problems.length > 0) throw new Error(`bad event (${problems.join(', ')}): ${JSON.stringify(event)}`);
}
