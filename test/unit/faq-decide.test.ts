import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConversationReader } from '../../src/features/support/conversation.ts';
import {
  choicesOf,
  clausesOf,
  DEFAULT_DECISION_SETTINGS,
  decide,
} from '../../src/features/support/decide.ts';
import { FaqMatcher } from '../../src/features/support/matcher.ts';
import { editsOf, Speller } from '../../src/features/support/matcher-spelling.ts';
import { EXAMPLE_FAQ } from '../../src/features/support/seed.ts';

/** The example FAQ plus near-twin entries (the fixture the end-to-end tests seed). */
const BAKERY: { question: string; answer: string; alternatives: string[] }[] = JSON.parse(
  readFileSync(new URL('../fixtures/support-bakery-faq.json', import.meta.url), 'utf8'),
);
const IDS = ['hours', 'location', 'delivery', 'payment', 'returns', 'small', 'large', 'gluten-free', 'vegan'];
const FAQ = BAKERY.map((entry, i) => ({ id: IDS[i] ?? `e${i}`, ...entry }));

it('the bakery fixture starts with the example FAQ', () => {
  expect(BAKERY.slice(0, EXAMPLE_FAQ.length).map((e) => e.question)).toEqual(
    EXAMPLE_FAQ.map((e) => e.question),
  );
});

function setUp(settings = DEFAULT_DECISION_SETTINGS) {
  const matcher = new FaqMatcher();
  matcher.replaceAll(FAQ);
  const reader = new ConversationReader();
  return (text: string) => decide(text, matcher, reader, (id) => id === 'returns', settings);
}

describe('conversation reader', () => {
  const reader = new ConversationReader();

  it('tells thanks, praise, greetings, goodbyes and acknowledgements from questions', () => {
    expect(reader.read('thanks!!').smallTalk).toBe('thanks');
    expect(reader.read('thank you, the cake was amazing').smallTalk).toBe('thanks');
    expect(reader.read('you guys are the best 😍').smallTalk).toBe('praise');
    expect(reader.read('hello??').smallTalk).toBe('greeting');
    expect(reader.read('ok see you at 2').smallTalk).toBe('goodbye');
    expect(reader.read('lol ok').smallTalk).toBe('acknowledgement');
    expect(reader.read('thanks! do you deliver?').smallTalk).toBeNull();
    expect(reader.read('hi quick q - is there parking?').smallTalk).toBeNull();
    expect(reader.read('hi quick q - is there parking?').question).toBe('is there parking?');
  });

  it('reads letters typed three times or more as one ("hiii", "thanksss")', () => {
    expect(reader.read('hiii').smallTalk).toBe('greeting');
    expect(reader.read('heyyy there').smallTalk).toBe('greeting');
    expect(reader.read('thanksss sooo much').smallTalk).toBe('thanks');
    expect(reader.read('okkk').smallTalk).toBe('acknowledgement');
    expect(reader.read('HELPPP the pipe burst').urgent).toBe(true);
    expect(reader.read('hiii do you deliver').smallTalk).toBeNull();
    expect(reader.read('hiii do you deliver').question).toBe('do you deliver');
    expect(reader.read('do you deliver? thankss').question).toBe('do you deliver?');
  });

  it('flags urgent messages: urgent words, a cry for help, shouted distress; not shouting alone', () => {
    expect(reader.read('PIPE BURST IN THE KITCHEN HELP').urgent).toBe(true);
    expect(reader.read('urgent: wrong flowers delivered to the funeral').urgent).toBe(true);
    expect(reader.read('my key snapped in the lock, help!').urgent).toBe(true);
    expect(reader.read('LOCKED OUT AND MY BABY IS INSIDE!!!').urgent).toBe(true);
    expect(reader.read('DO YOU HAVE PUPPIES FOR SALE').urgent).toBe(false);
    expect(reader.read('can you help me increase my limit').urgent).toBe(false);
    expect(reader.read('can anyone help').urgent).toBe(false);
  });

  it('reads a shouted statement as distress, a shouted question as a question', () => {
    expect(reader.read('SOMEONE FAINTED OUTSIDE YOUR SHOP CALL SOMEONE').urgent).toBe(true);
    expect(reader.read('HOW MUCH FOR A MENS CUT').urgent).toBe(false);
    expect(reader.read('WHAT TIME U OPEN TMRW').urgent).toBe(false);
    expect(reader.read('IS THERE PARKING NEAR YOU').urgent).toBe(false);
    expect(reader.read('OPEN SUNDAY').urgent).toBe(false);
  });

  it('reads the holidays a question asks opening hours for, and entries that name them', () => {
    expect(reader.read('open good friday??').askedDays).toEqual(['good friday']);
    expect(reader.read('xmas eve hours?').askedDays).toEqual(['christmas eve']);
    expect(reader.read('can i order a cake for christmas').askedDays).toEqual([]);
    expect(reader.explainsDays("Open late before Valentine's Day", ['valentines day'])).toBe(true);
    expect(reader.explainsDays('Closed on public holidays', ['bank holiday'])).toBe(true);
    expect(reader.explainsDays('Closed on public holidays', ['easter'])).toBe(false);
    expect(reader.explainsDays('Monday to Friday 9-5', ['christmas'])).toBe(false);
  });

  it('reads complaints, and owners add urgent phrases', () => {
    expect(reader.read('waited an hour, this is ridiculous').complaint).toBe(true);
    expect(reader.read('do you deliver on sundays').complaint).toBe(false);
    expect(reader.read('my order was supposed to come this morning').complaint).toBe(true);
    expect(reader.isAboutProblems('What if my order arrives damaged? We replace it.')).toBe(true);
    expect(reader.isAboutProblems('When are you open?')).toBe(false);
    expect(new ConversationReader(['gas leak']).read('i smell a gas leak').urgent).toBe(true);
    expect(reader.read('i smell a gas leak').urgent).toBe(false);
  });
});

describe('spelling correction', () => {
  it('prefers FAQ words and left-out letters, and leaves known words alone', () => {
    const speller = new Speller();
    speller.add(['deliver', 'when', 'where', 'olaplex', 'allergy']);
    expect(speller.correct('delvier')).toBe('deliver');
    expect(speller.correct('wher')).toBe('where');
    expect(speller.correct('olapex')).toBe('olaplex');
    expect(speller.correct('alergy')).toBe('allergy');
    expect(speller.correct('parking')).toBe('parking');
    expect(speller.correct('zzqx')).toBe('zzqx');
    expect(editsOf('ab')).toContain('ba');
  });

  it('splits a word the FAQ writes as two ("callout" for "call-out"), not an English word', () => {
    const speller = new Speller();
    speller.add(['call', 'out', 'gift', 'card', 'car', 'pet', 'walk', 'in']);
    expect(speller.correct('callout')).toBe('call out');
    expect(speller.correct('giftcard')).toBe('gift card');
    expect(speller.correct('walkin')).toBe('walk in');
    expect(speller.correct('carpet')).toBe('carpet');
    const matcher = new FaqMatcher();
    matcher.replaceAll([
      { id: 'fee', question: 'Is there a call-out fee?', answer: 'Call-outs cost £40.', alternatives: [] },
      { id: 'hours', question: 'When are you open?', answer: 'Every day 8-6.', alternatives: [] },
    ]);
    expect(matcher.questionWords('whats ur callout charge')).toContain('call');
  });

  it('reads casual fillers ("ok", "guys") as carrying no intent', () => {
    const matcher = new FaqMatcher();
    matcher.replaceAll([
      { id: 'pay', question: 'Do you take cash?', answer: 'Cash and cards.', alternatives: [] },
    ]);
    expect(matcher.questionWords('cash ok?')).toEqual(['cash']);
    expect(matcher.questionWords('are you guys open')).toEqual(['open']);
  });
});

describe('three outcomes', () => {
  const decideFor = setUp();

  it('answers when confident, asks back when unsure, hands over otherwise', () => {
    const answered = decideFor('hey, are you guys open on sunday?');
    expect(answered).toMatchObject({ outcome: 'answer', entryId: 'hours' });
    // Two entries the question fits about equally: never answered, asked back with both.
    const asked = decideFor('how much is a birthday cake');
    expect(asked.outcome).toBe('ask');
    if (asked.outcome === 'ask') expect([...asked.choices].sort()).toEqual(['large', 'small']);
    expect(decideFor('what is the capital of mongolia')).toMatchObject({
      outcome: 'handoff',
      reason: 'unsure',
    });
  });

  it('replies kindly to thanks, hands urgent messages over flagged, and complaints to a person', () => {
    expect(decideFor('thank you so much!')).toEqual({ outcome: 'reply', kind: 'thanks' });
    expect(decideFor('HELP my delivery never came!!!')).toMatchObject({
      outcome: 'handoff',
      reason: 'urgent',
    });
    expect(decideFor('this is ridiculous, the delivery guy was rude')).toMatchObject({
      outcome: 'handoff',
      reason: 'complaint',
    });
  });

  it('hands job enquiries to a person', () => {
    expect(decideFor('are you hiring? i have 3 years experience in a bakery')).toMatchObject({
      outcome: 'handoff',
      reason: 'unsure',
    });
    expect(new ConversationReader().isAboutJobs('Are you hiring? Send your CV to jobs@example.com')).toBe(
      true,
    );
  });

  it('hands over holiday opening questions the weekly hours do not answer', () => {
    expect(decideFor('are you open on boxing day?')).toMatchObject({ outcome: 'handoff', reason: 'unsure' });
    expect(decideFor('are you open on sundays?').outcome).not.toBe('handoff');
  });

  it('asks back about the clause the FAQ covers when the context around it reads unsure', () => {
    const wholeOnly = setUp({ ...DEFAULT_DECISION_SETTINGS, clauseMargin: Number.POSITIVE_INFINITY });
    const wrapped = [
      ['any vegan options? my flatmate became a strict plant based eater over the summer', 'vegan'],
      ['where are you exactly, my satnav keeps sending me round the ring road twice', 'location'],
    ] as const;
    for (const [text, entry] of wrapped) {
      expect(wholeOnly(text)).toMatchObject({ outcome: 'handoff', reason: 'unsure' });
      const asked = decideFor(text);
      expect(asked.outcome).toBe('ask');
      if (asked.outcome === 'ask') expect(asked.choices[0]).toBe(entry);
    }
    // No clause of a question the FAQ does not cover is plausible on its own.
    expect(decideFor('what is the capital of mongolia, and how tall is its highest mountain?')).toMatchObject(
      {
        outcome: 'handoff',
        reason: 'unsure',
      },
    );
  });

  it('splits a message into clauses of two words or more', () => {
    expect(clausesOf('do you deliver? my mum cant get out - thanks, x')).toEqual([
      'do you deliver',
      'my mum cant get out',
    ]);
    expect(clausesOf('one-off cake for saturday?')).toEqual([]);
    expect(clausesOf('a, b, c, d, e, f, g, h'.replace(/(\w)/g, '$1 $1'))).toHaveLength(6);
  });

  it('offers at most three choices, close enough to the best', () => {
    const candidates = [
      { id: 'a', score: 5 },
      { id: 'b', score: 4.5 },
      { id: 'c', score: 3 },
      { id: 'd', score: 1 },
    ];
    expect(choicesOf(candidates, DEFAULT_DECISION_SETTINGS)).toEqual(['a', 'b']);
    expect(choicesOf(candidates, { ...DEFAULT_DECISION_SETTINGS, choiceGap: 10, maxChoices: 3 })).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('never throws on odd input', () => {
    for (const text of ['', '🙂', 'x'.repeat(5000), undefined as unknown as string]) {
      expect(() => decideFor(text)).not.toThrow();
    }
  });
});
