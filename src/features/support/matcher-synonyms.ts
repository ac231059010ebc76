import { createRequire } from 'node:module';

/**
 * English synonyms from the `synonyms` package (a WordNet-derived word list bundled in its npm
 * tarball, ~0.7 MB, no network). The list maps a word to synonyms per part of speech; we make it
 * symmetric so "purchase" finds "buy" as well as the reverse.
 */

type PartOfSpeechLists = Record<string, unknown>;

let synonymTable: ReadonlyMap<string, readonly string[]> | undefined;

/** A usable synonym: a single plain word of at least three letters. */
function isUsableSynonym(word: unknown): word is string {
  return typeof word === 'string' && /^[a-z]{3,}$/.test(word);
}

function addPair(table: Map<string, Set<string>>, from: string, to: string): void {
  if (from === to) return;
  let related = table.get(from);
  if (!related) {
    related = new Set<string>();
    table.set(from, related);
  }
  related.add(to);
}

/** Loads and symmetrises the word list once; an unreadable list yields an empty table. */
function loadSynonymTable(): ReadonlyMap<string, readonly string[]> {
  const table = new Map<string, Set<string>>();
  try {
    const require = createRequire(import.meta.url);
    const dictionary: unknown = require('synonyms/dictionary.js');
    // The symmetric table below is what is kept: the module cache need not hold the raw list too.
    delete require.cache[require.resolve('synonyms/dictionary.js')];
    if (typeof dictionary !== 'object' || dictionary === null) return new Map();
    for (const [word, lists] of Object.entries(dictionary as Record<string, PartOfSpeechLists>)) {
      if (!isUsableSynonym(word) || typeof lists !== 'object' || lists === null) continue;
      for (const list of Object.values(lists)) {
        if (!Array.isArray(list)) continue;
        for (const synonym of list) {
          if (!isUsableSynonym(synonym)) continue;
          addPair(table, word, synonym);
          addPair(table, synonym, word);
        }
      }
    }
  } catch {
    return new Map();
  }
  const frozen = new Map<string, readonly string[]>();
  for (const [word, related] of table) frozen.set(word, [...related]);
  return frozen;
}

/** Synonyms of a lower-case English word (without the word itself); empty when unknown. */
export function synonymsOf(word: string): readonly string[] {
  synonymTable ??= loadSynonymTable();
  return synonymTable.get(word) ?? [];
}
