import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The general English the FAQ matcher folds before matching, read from data/english-words.json
 * (data, not code: owners see it with `/hearth faq words` and add their own groups, which the
 * matcher applies on top). Casual spellings and text-speak ("u", "tmrw", "dont"), British spellings,
 * multi-word phrases read as one word ("how much") and groups of interchangeable words. Nothing here
 * is specific to one business or one benchmark.
 */

const wordListFile = z.object({
  about: z.string().optional(),
  casual: z.record(z.string(), z.string()),
  spellings: z.record(z.string(), z.string()),
  phrases: z.record(z.string(), z.string()),
  groups: z.array(z.array(z.string().min(1)).min(1)),
  conversation: z.record(z.string(), z.array(z.string())).optional(),
});

export type EnglishWords = z.infer<typeof wordListFile>;

const EMPTY: EnglishWords = { casual: {}, spellings: {}, phrases: {}, groups: [] };

let loaded: EnglishWords | undefined;

/** The built-in word lists, read once; an unreadable file gives empty lists (the matcher still works). */
export function englishWords(): EnglishWords {
  if (loaded) return loaded;
  try {
    const raw = readFileSync(new URL('./data/english-words.json', import.meta.url), 'utf8');
    loaded = wordListFile.parse(JSON.parse(raw));
  } catch {
    loaded = EMPTY;
  }
  return loaded;
}

/** Word-for-word rewrites (casual spellings first, then British spellings); values may be several words. */
export function wordRewrites(): ReadonlyMap<string, string> {
  const words = englishWords();
  return new Map([...Object.entries(words.spellings), ...Object.entries(words.casual)]);
}
