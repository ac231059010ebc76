/**
 * The FAQ bench files (shared/bench/faq, shared/bench/faq-smb, bench/data): a FAQ and customer
 * messages labelled with the entry that answers them (null: out of scope), read and validated.
 */
import { readFileSync } from 'node:fs';
import type { FaqDocument } from '../src/features/support/matcher.ts';

export interface BenchQuery {
  text: string;
  expected: string | null;
}

export interface BenchFile {
  faq: FaqDocument[];
  queries: BenchQuery[];
  /** False for CLINC-derived files, whose synthetic answers name the entry. */
  realAnswers: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads and validates a bench file; `fail` is called with a clear message on anything malformed
 * (the scripts print their usage and exit).
 */
export function loadBenchFile(path: string, fail: (message: string) => never): BenchFile {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    fail(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.faq) || !Array.isArray(parsed.queries)) {
    fail(`${path} must be an object with "faq" and "queries" arrays`);
  }
  const realAnswers = !/synthetic/i.test(JSON.stringify(parsed.meta ?? {}));
  const faq: FaqDocument[] = parsed.faq.map((entry: unknown, i: number) => {
    if (
      !isRecord(entry) ||
      typeof entry.id !== 'string' ||
      typeof entry.question !== 'string' ||
      !Array.isArray(entry.alternatives) ||
      !entry.alternatives.every((alternative: unknown) => typeof alternative === 'string')
    ) {
      fail(`faq[${i}] must have string "id", "question" and string[] "alternatives"`);
    }
    // A synthetic answer names the entry and would leak the label: only real answers are indexed.
    const answer = realAnswers && typeof entry.answer === 'string' ? { answer: entry.answer } : {};
    return {
      id: entry.id,
      question: entry.question,
      alternatives: entry.alternatives as string[],
      ...answer,
    };
  });
  const ids = new Set(faq.map((entry) => entry.id));
  const queries: BenchQuery[] = parsed.queries.map((query: unknown, i: number) => {
    if (!isRecord(query) || typeof query.text !== 'string') fail(`queries[${i}] must have a string "text"`);
    const expected = query.expected;
    if (expected !== null && (typeof expected !== 'string' || !ids.has(expected))) {
      fail(`queries[${i}].expected must be null or the id of a faq entry`);
    }
    return { text: query.text, expected };
  });
  if (faq.length === 0 || queries.length === 0) fail(`${path} has no faq entries or no queries`);
  return { faq, queries, realAnswers };
}
