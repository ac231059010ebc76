import { describe, expect, it } from 'vitest';
import { parseQuestionAnswer } from '../../src/features/support/commands.ts';
import { stripMentions } from '../../src/features/support/composer.ts';
import { type FaqDocument, FaqMatcher } from '../../src/features/support/matcher.ts';
import { englishWords } from '../../src/features/support/matcher-concepts.ts';
import { contentTokens, termOf } from '../../src/features/support/matcher-text.ts';

const FAQ: FaqDocument[] = [
  {
    id: 'hours',
    question: 'What are your opening hours?',
    alternatives: ['When are you open?', 'What time do you close today?'],
  },
  {
    id: 'delivery',
    question: 'Do you deliver?',
    alternatives: ['Can I get my order delivered?', 'How much is shipping?'],
  },
  {
    id: 'card-lost',
    question: 'I lost my credit card, what should I do?',
    alternatives: ['My card was stolen', 'How do I report a missing card?'],
  },
  {
    id: 'card-declined',
    question: 'Why was my card declined?',
    alternatives: ['My payment was rejected at the till', 'Why did my card get refused?'],
  },
  {
    id: 'refund',
    question: 'How do I get a refund?',
    alternatives: ['Can I return an item?', 'What is your return policy?'],
  },
];

function matcher(): FaqMatcher {
  const m = new FaqMatcher();
  m.replaceAll(FAQ);
  return m;
}

describe('FaqMatcher', () => {
  it('ranks paraphrases, synonyms and typos to the right entry', () => {
    const m = matcher();
    expect(m.match('when do you open tomorrow').candidates[0]?.id).toBe('hours');
    expect(m.match('someone stole my card').candidates[0]?.id).toBe('card-lost');
    expect(m.match('why was my credit card refused').candidates[0]?.id).toBe('card-declined');
    expect(m.match('what is your retrun policy').candidates[0]?.id).toBe('refund');
    expect(m.match('do u delvier').candidates[0]?.id).toBe('delivery');
  });

  it('indexes answers: a detail only the answer names finds its entry', () => {
    const m = new FaqMatcher();
    m.replaceAll([
      ...FAQ,
      { id: 'cats', question: 'Do you groom cats?', alternatives: [], answer: 'Yes, a lion cut is $85.' },
    ]);
    expect(m.match('how much is a lion cut').candidates[0]?.id).toBe('cats');
    expect(m.questionWords('how much is a lion cutt')).toContain('cut');
  });

  it('abstains on questions the FAQ does not cover, and reports what it considered', () => {
    const m = matcher();
    const result = m.match('what is the capital of mongolia');
    expect(result.abstained).toBe(true);
    expect(result.entryId).toBeNull();
    expect(result.confidence).toBeLessThan(0.5);
  });

  it('gives a confidence in [0, 1] and best-first candidates', () => {
    const result = matcher().match('do you deliver to my house');
    expect(result.entryId).toBe('delivery');
    expect(result.confidence).toBeGreaterThan(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
    expect(result.candidates[0]?.id).toBe('delivery');
    const scores = result.candidates.map((c) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('handles empty, emoji-only, huge and non-English input without throwing', () => {
    const m = matcher();
    for (const text of ['', '   ', '🙂🎉👍', '東京は今何時ですか', 'Привет, как дела?', 'x'.repeat(10_000)]) {
      const result = m.match(text);
      expect(result.abstained).toBe(true);
    }
    const long = m.match(`${'do you deliver '.repeat(700)}`);
    expect(long.entryId).toBe('delivery');
    expect(m.match(undefined as unknown as string).abstained).toBe(true);
  });

  it('abstains with an empty FAQ and follows upserts and removals', () => {
    const m = new FaqMatcher();
    expect(m.match('do you deliver').abstained).toBe(true);
    m.upsert({ id: 'parking', question: 'Is there parking near the shop?', alternatives: [] });
    expect(m.match('is there parking near your shop').entryId).toBe('parking');
    m.upsert({ id: 'parking', question: 'Do you have a car park?', alternatives: ['where do I park'] });
    expect(m.size).toBe(1);
    expect(m.match('where do i park').entryId).toBe('parking');
    m.remove('parking');
    expect(m.size).toBe(0);
    expect(m.match('where can i park').abstained).toBe(true);
  });
});

describe('matcher text normalization', () => {
  it('folds contractions, text-speak, British spellings and word groups into shared terms', () => {
    expect(contentTokens("What's my cellphone's balance?", 100, 10).map((t) => t.stem)).toEqual([
      termOf('phone'),
      termOf('balance'),
    ]);
    expect(termOf('rejected')).toBe(termOf('declined'));
    expect(contentTokens('r u open tmrw', 100, 10).map((t) => t.word)).toEqual(['open', 'tomorrow']);
    expect(contentTokens('dont know the colour', 100, 10).map((t) => t.word)).toEqual(['not', 'color']);
    expect(contentTokens('how much is it', 100, 10).map((t) => t.stem)).toEqual([termOf('price')]);
  });

  it('keeps only general English in the built-in word lists (no words of one benchmark file)', () => {
    const words = englishWords();
    const all = [
      ...words.groups.flat(),
      ...Object.keys(words.casual),
      ...Object.keys(words.phrases),
      ...Object.values(words.conversation ?? {}).flat(),
    ];
    for (const word of ['isreal', 'uruguay', 'kentucky', 'shredder', 'chase', 'citibank', 'mastercard']) {
      expect(all).not.toContain(word);
    }
    expect(words.groups.length).toBeGreaterThan(20);
  });
});

describe('owner word groups', () => {
  it('read every word or phrase of a group as its first word, on both sides', () => {
    const m = new FaqMatcher();
    const faq = [
      {
        id: 'fringe',
        question: 'How much is a fringe trim?',
        alternatives: [],
        answer: 'A fringe trim is $10.',
      },
      { id: 'colour', question: 'How much is hair colour?', alternatives: [], answer: 'From $75.' },
    ];
    m.replaceAll(faq);
    const before = m.match('price for my bangs');
    m.replaceAll(faq, [['fringe', 'bangs', 'bang trim']]);
    const after = m.match('price for my bangs');
    expect(after.candidates[0]?.id).toBe('fringe');
    expect(after.confidence).toBeGreaterThan(before.confidence);
  });
});

describe('support helpers', () => {
  it('parses owner faq add arguments in quotes or with a bar', () => {
    expect(parseQuestionAnswer('"Do you open late?" "Until 20:00 on Fridays."')).toEqual({
      question: 'Do you open late?',
      answer: 'Until 20:00 on Fridays.',
    });
    expect(parseQuestionAnswer('Do you open late? | Until 20:00')).toEqual({
      question: 'Do you open late?',
      answer: 'Until 20:00',
    });
    expect(parseQuestionAnswer('just a question')).toBeNull();
  });

  it('strips leading bot mentions from group messages', () => {
    expect(stripMentions('<@U123> do you deliver?')).toBe('do you deliver?');
    expect(stripMentions('@hearth_bot, when are you open')).toBe('when are you open');
    expect(stripMentions('email me @ home')).toBe('email me @ home');
  });
});
