import { DIMENSIONS, type WordVectors, wordVectors } from './matcher-embeddings.ts';
import { isStopword, termOf } from './matcher-text.ts';

/**
 * Semantic similarity for the FAQ matcher from pretrained word vectors: a soft word alignment
 * between a question and an entry's words (each word to its most similar word on the other side),
 * weighted by smooth inverse frequency (SIF, Arora et al. 2017: a / (a + p(w)), p(w) from the
 * vocabulary's frequency rank by Zipf's law). It catches paraphrases that share no word with the
 * FAQ ("cash" vs "money"). SIF-averaged sentence vectors (per phrasing and per entry centroid) are
 * kept too; as ranking features they scored higher on the development sets but drifted towards
 * the wrong entry on tiny FAQs, so only the alignment is used.
 */

const SIF_A = 1e-3;
/** Harmonic number of the embedding vocabulary (~400k words): normalizes the Zipf frequencies. */
const ZIPF_NORM = Math.log(400_000) + 0.5772;
const MAX_WORDS = 64;
/** Most words of one text (the rarest) that take part in the alignment. */
const ALIGNED_WORDS = 10;
const WORD_PATTERN = /[\p{L}\p{N}]+/gu;

/** SIF weight of the word at a frequency rank. */
export function sifWeight(rank: number): number {
  const probability = 1 / ((rank + 1) * ZIPF_NORM);
  return SIF_A / (SIF_A + probability);
}

/** A text's content words that have vectors: their rows and SIF weights. */
export interface SemanticText {
  rows: number[];
  /** The matcher's term of each word: words with the same term align fully ("delivery", "shipped"). */
  stems: string[];
  weights: number[];
  /** Unit SIF-weighted average of the words' vectors. */
  vector: Float32Array;
}

/** A text's words and unit SIF sentence vector; null when no word has a vector (or none are loaded). */
export function semanticText(text: string, maxChars: number, words = wordVectors()): SemanticText | null {
  const folded = (text.length > maxChars ? text.slice(0, maxChars) : text).normalize('NFKC').toLowerCase();
  return semanticWords(folded.match(WORD_PATTERN) ?? [], ALIGNED_WORDS, words);
}

/**
 * Like semanticText, over words already split (and corrected); `aligned` is how many of the rarest
 * words take part in the alignment.
 */
export function semanticWords(
  allWords: readonly string[],
  aligned = ALIGNED_WORDS,
  words = wordVectors(),
): SemanticText | null {
  if (!words) return null;
  const all = allWords.slice(0, MAX_WORDS);
  const content = all.filter((word) => !isStopword(word));
  const rows: number[] = [];
  const stems: string[] = [];
  const weights: number[] = [];
  const sum = new Float32Array(DIMENSIONS);
  for (const token of content.length > 0 ? content : all) {
    const row = words.rows.get(token);
    if (row === undefined || rows.includes(row)) continue;
    const weight = sifWeight(row);
    const base = row * DIMENSIONS;
    for (let d = 0; d < DIMENSIONS; d++) sum[d] = (sum[d] ?? 0) + weight * (words.vectors[base + d] ?? 0);
    rows.push(row);
    stems.push(termOf(token));
    weights.push(weight);
  }
  const vector = rows.length > 0 ? normalize(sum) : null;
  if (!vector) return null;
  if (rows.length <= aligned) return { rows, stems, weights, vector };
  // Long texts align by their rarest words only, which bounds the cost per question.
  const kept = rows
    .map((_, i) => i)
    .sort((a, b) => (weights[b] ?? 0) - (weights[a] ?? 0))
    .slice(0, aligned)
    .sort((a, b) => a - b);
  return {
    rows: kept.map((i) => rows[i] ?? 0),
    stems: kept.map((i) => stems[i] ?? ''),
    weights: kept.map((i) => weights[i] ?? 0),
    vector,
  };
}

/** Reused by softAlignment: best similarity found so far for each word of the entry. */
const entryBest = new Float64Array(4096);

/**
 * Soft word alignment both ways: each question word to its most similar entry word and each entry
 * word to its most similar question word (cosine of the word vectors; words with the same matcher
 * term count as identical), SIF-weighted averages. Every word pair is compared once.
 */
export function softAlignment(
  query: SemanticText,
  entry: SemanticText,
  words: WordVectors,
): [number, number] {
  const vectors = words.vectors;
  const entryCount = Math.min(entry.rows.length, entryBest.length);
  entryBest.fill(0, 0, entryCount);
  let queryTotal = 0;
  let queryMass = 0;
  for (let i = 0; i < query.rows.length; i++) {
    const a = (query.rows[i] ?? 0) * DIMENSIONS;
    const stem = query.stems[i];
    let best = 0;
    for (let j = 0; j < entryCount; j++) {
      let similarity = 1;
      if (entry.stems[j] !== stem) {
        const b = (entry.rows[j] ?? 0) * DIMENSIONS;
        similarity = sharpen(dotRows(vectors, a, b));
      }
      if (similarity > best) best = similarity;
      if (similarity > (entryBest[j] ?? 0)) entryBest[j] = similarity;
    }
    const weight = query.weights[i] ?? 0;
    queryTotal += weight * best;
    queryMass += weight;
  }
  let entryTotal = 0;
  let entryMass = 0;
  for (let j = 0; j < entryCount; j++) {
    const weight = entry.weights[j] ?? 0;
    entryTotal += weight * (entryBest[j] ?? 0);
    entryMass += weight;
  }
  return [queryMass > 0 ? queryTotal / queryMass : 0, entryMass > 0 ? entryTotal / entryMass : 0];
}

/**
 * Cosine of two word vectors with the similarity any two words share taken off: unrelated common
 * words still score 0.2-0.4, which lets a long answer "match" everything; below SIMILARITY_FLOOR a
 * pair counts as unrelated, above it the scale is stretched back to 1.
 */
export const SIMILARITY_FLOOR = 0.3;
function sharpen(similarity: number): number {
  return similarity <= SIMILARITY_FLOOR ? 0 : (similarity - SIMILARITY_FLOOR) / (1 - SIMILARITY_FLOOR);
}

/** Dot product of two rows of the vector matrix (by offset), unrolled by four. */
function dotRows(vectors: Float32Array, a: number, b: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let d = 0; d < DIMENSIONS; d += 4) {
    s0 += (vectors[a + d] as number) * (vectors[b + d] as number);
    s1 += (vectors[a + d + 1] as number) * (vectors[b + d + 1] as number);
    s2 += (vectors[a + d + 2] as number) * (vectors[b + d + 2] as number);
    s3 += (vectors[a + d + 3] as number) * (vectors[b + d + 3] as number);
  }
  return s0 + s1 + s2 + s3;
}

/** Scales a vector to unit length in place; null when it is zero. */
export function normalize(vector: Float32Array): Float32Array | null {
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += (vector[d] ?? 0) ** 2;
  if (norm === 0) return null;
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] ?? 0) * scale;
  return vector;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < a.length; d++) dot += (a[d] ?? 0) * (b[d] ?? 0);
  return dot;
}

/** An entry's semantic profile: its phrasings, their normalized centroid, and all their words. */
export interface SemanticEntry {
  phrasings: SemanticText[];
  centroid: Float32Array;
  /** Every phrasing's words together, each once (for the alignment features). */
  words: SemanticText;
  /** For each phrasing, the position of each of its words in `words`. */
  positions: Int32Array[];
}

export function semanticEntry(texts: readonly string[], maxChars: number): SemanticEntry | null {
  const phrasings: SemanticText[] = [];
  for (const text of texts) {
    const phrasing = semanticText(text, maxChars);
    if (phrasing) phrasings.push(phrasing);
  }
  const centroid = new Float32Array(DIMENSIONS);
  const rows: number[] = [];
  const stems: string[] = [];
  const weights: number[] = [];
  const positions: Int32Array[] = [];
  for (const phrasing of phrasings) {
    for (let d = 0; d < DIMENSIONS; d++) centroid[d] = (centroid[d] ?? 0) + (phrasing.vector[d] ?? 0);
    const position = new Int32Array(phrasing.rows.length);
    phrasing.rows.forEach((row, i) => {
      let at = rows.indexOf(row);
      if (at < 0) {
        at = rows.length;
        rows.push(row);
        stems.push(phrasing.stems[i] ?? '');
        weights.push(phrasing.weights[i] ?? 0);
      }
      position[i] = at;
    });
    positions.push(position);
  }
  const unit = normalize(centroid);
  return unit
    ? { phrasings, centroid: unit, words: { rows, stems, weights, vector: unit }, positions }
    : null;
}

/** Reused by semanticFeatures: question word × entry word similarities, row-major. */
const similarities = new Float64Array(MAX_WORDS * MAX_WORDS * 4);

/**
 * Semantic features of a question for an entry (zeros without vectors): the soft alignment both
 * ways with all the entry's words, and the best alignment F1 with a single phrasing. Every word pair
 * is compared once (`cache`, one per question, keeps them across candidates); the result equals
 * softAlignment on the same texts.
 */
export function semanticFeatures(
  query: SemanticText | null,
  entry: SemanticEntry | null | undefined,
  cache: Map<number, Float64Array> = new Map(),
): number[] {
  const words = wordVectors();
  if (!query || !entry || !words) return [0, 0, 0];
  const vectors = words.vectors;
  const width = entry.words.rows.length;
  const height = Math.min(query.rows.length, Math.floor(similarities.length / Math.max(1, width)));
  for (let j = 0; j < width; j++) {
    const row = entry.words.rows[j] ?? 0;
    let column = cache.get(row);
    if (!column) {
      // Similarities of this FAQ word to every question word, shared by every candidate using it.
      column = new Float64Array(height);
      const b = row * DIMENSIONS;
      for (let i = 0; i < height; i++) {
        if (entry.words.stems[j] === query.stems[i]) {
          column[i] = 1;
          continue;
        }
        const a = (query.rows[i] ?? 0) * DIMENSIONS;
        const similarity = sharpen(dotRows(vectors, a, b));
        column[i] = similarity;
      }
      cache.set(row, column);
    }
    for (let i = 0; i < height; i++) similarities[i * width + j] = column[i] ?? 0;
  }
  /** Best similarity of each entry word to any question word (the entry→question direction). */
  const fromEntry = new Float64Array(width);
  let queryMass = 0;
  for (let i = 0; i < height; i++) queryMass += query.weights[i] ?? 0;
  let toEntry = 0;
  for (let i = 0; i < height; i++) {
    let best = 0;
    for (let j = 0; j < width; j++) {
      const similarity = similarities[i * width + j] ?? 0;
      if (similarity > best) best = similarity;
      if (similarity > (fromEntry[j] ?? 0)) fromEntry[j] = similarity;
    }
    toEntry += (query.weights[i] ?? 0) * best;
  }
  let entryMass = 0;
  let fromEntryTotal = 0;
  for (let j = 0; j < width; j++) {
    entryMass += entry.words.weights[j] ?? 0;
    fromEntryTotal += (entry.words.weights[j] ?? 0) * (fromEntry[j] ?? 0);
  }
  let bestF1 = 0;
  for (const position of entry.positions) {
    let toPhrasing = 0;
    let fromPhrasing = 0;
    let phrasingMass = 0;
    for (let i = 0; i < height; i++) {
      let best = 0;
      for (let k = 0; k < position.length; k++) {
        const similarity = similarities[i * width + (position[k] as number)] as number;
        if (similarity > best) best = similarity;
      }
      toPhrasing += (query.weights[i] ?? 0) * best;
    }
    for (let k = 0; k < position.length; k++) {
      const j = position[k] as number;
      const weight = entry.words.weights[j] ?? 0;
      fromPhrasing += weight * (fromEntry[j] ?? 0);
      phrasingMass += weight;
    }
    toPhrasing = queryMass > 0 ? toPhrasing / queryMass : 0;
    fromPhrasing = phrasingMass > 0 ? fromPhrasing / phrasingMass : 0;
    const sum = toPhrasing + fromPhrasing;
    if (sum > 0) bestF1 = Math.max(bestF1, (2 * toPhrasing * fromPhrasing) / sum);
  }
  return [queryMass > 0 ? toEntry / queryMass : 0, entryMass > 0 ? fromEntryTotal / entryMass : 0, bestF1];
}

/** General-English rarity of a word in [0, 1]: SIF with a small `a`; words without a vector count as rare. */
const RARITY_A = 1e-4;
export function rarity(word: string, words = wordVectors()): number {
  const rank = words?.rows.get(word);
  if (rank === undefined) return 1;
  const probability = 1 / ((rank + 1) * ZIPF_NORM);
  return RARITY_A / (RARITY_A + probability);
}

/**
 * For each question word, how well an entry explains it through word vectors: the best sharpened
 * similarity to any word of its phrasings or answer (0 without vectors).
 */
export function vectorExplanations(
  questionWords: readonly string[],
  entry: SemanticEntry | null | undefined,
  answer: SemanticText | null | undefined,
  words = wordVectors(),
): number[] {
  const explained = questionWords.map(() => 0);
  if (!words) return explained;
  const rows = [...(entry?.words.rows ?? []), ...(answer?.rows ?? [])];
  questionWords.forEach((word, i) => {
    const row = words.rows.get(word);
    if (row === undefined) return;
    let best = 0;
    for (const other of rows) {
      const similarity =
        other === row ? 1 : sharpen(dotRows(words.vectors, row * DIMENSIONS, other * DIMENSIONS));
      if (similarity > best) best = similarity;
    }
    explained[i] = best;
  });
  return explained;
}
