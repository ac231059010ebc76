import { describe, expect, it } from 'vitest';
import { FaqMatcher } from '../../src/features/support/matcher.ts';
import {
  DECISION_FEATURES,
  decisionFeaturesOf,
  RANKER_FEATURES,
} from '../../src/features/support/matcher-decision.ts';
import type { PreparedQuery } from '../../src/features/support/matcher-features.ts';
import { contentTokens, joinCompounds } from '../../src/features/support/matcher-text.ts';

/** A prepared question of plain words (no FAQ relations needed by the decision features). */
function query(words: string[]): PreparedQuery {
  return {
    terms: words.map((word) => ({ term: word, weight: 1, matches: new Map([[word, 1]]) })),
    words,
    stems: words,
    bigrams: new Set(),
    grams: new Map(),
    gramNorm: 0,
    known: 1,
    exactShare: 1,
  };
}

const candidate = (score: number) => ({
  score,
  features: RANKER_FEATURES.map(() => 0),
  unexplained: 0,
});

const feature = (values: number[], name: (typeof DECISION_FEATURES)[number]) =>
  values[DECISION_FEATURES.indexOf(name)] ?? Number.NaN;

describe('decision features', () => {
  it('give one value per name, zeros without candidates', () => {
    const none = decisionFeaturesOf({ ranked: [], query: query(['cake']), known: 0, explanations: [] });
    expect(none).toEqual(DECISION_FEATURES.map(() => 0));
    const some = decisionFeaturesOf({
      ranked: [candidate(2), candidate(1.5), candidate(0.5)],
      query: query(['cake', 'delivery']),
      known: 1,
      explanations: [
        [1, 0],
        [0, 1],
        [0, 0],
      ],
    });
    expect(some).toHaveLength(DECISION_FEATURES.length);
    expect(feature(some, 'margin')).toBeCloseTo(0.5);
    expect(feature(some, 'marginThird')).toBeCloseTo(1.5);
  });

  it('count a word explained by a runner-up for the choices an ask-back offers, not for the best alone', () => {
    const values = decisionFeaturesOf({
      ranked: [candidate(2), candidate(1.9)],
      query: query(['zanzibar', 'delivery']),
      known: 1,
      explanations: [
        [0, 1],
        [1, 0],
      ],
    });
    expect(feature(values, 'unexplainedRare')).toBeGreaterThan(0.5);
    expect(feature(values, 'unexplainedRareChoices')).toBe(0);
    expect(feature(values, 'rareExplainedChoices')).toBeCloseTo(1);
    expect(feature(values, 'rareExplained')).toBeLessThan(feature(values, 'rareExplainedChoices'));
    expect(feature(values, 'wordsExplained')).toBeCloseTo(0.5);
  });
});

describe('general English in matching', () => {
  it('joins two question words the FAQ writes as one, and nothing else', () => {
    const inFaq = (word: string) => word === 'highchairs';
    expect(joinCompounds(['any', 'high', 'chairs'], inFaq)).toEqual(['any', 'highchairs']);
    expect(joinCompounds(['high', 'price'], inFaq)).toEqual(['high', 'price']);
    const words = contentTokens('spare high chairs?', 100, 10, { inFaq }).map((t) => t.word);
    expect(words).toEqual(['spare', 'highchairs']);
  });

  it('reads "where" as a question about the location, so an address question finds "Where are you?"', () => {
    const m = new FaqMatcher();
    m.replaceAll([
      {
        id: 'location',
        question: 'Where are you?',
        alternatives: [],
        answer: 'At 12 Mill Road, by the bridge.',
      },
      { id: 'hours', question: 'When are you open?', alternatives: [], answer: 'Every day 9am-5pm.' },
      { id: 'kids', question: 'Is it child friendly?', alternatives: [], answer: 'Yes, we have highchairs.' },
    ]);
    expect(m.match('whats the address').candidates[0]?.id).toBe('location');
    expect(m.match('do you have high chairs').candidates[0]?.id).toBe('kids');
  });
});
