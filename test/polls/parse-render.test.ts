import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../src/core/errors.ts';
import { renderingFor } from '../../src/features/polls/audience.ts';
import { parseClosing, parsePollRequest, tokenize } from '../../src/features/polls/parse.ts';
import {
  bar,
  parseVoteValue,
  percentages,
  pollContent,
  resultLines,
  sharesOf,
} from '../../src/features/polls/render.ts';
import { nextChoice, type PollRecord } from '../../src/features/polls/store.ts';

const NOW = new Date('2026-11-23T10:00:00Z');

describe('poll command parsing', () => {
  it('reads question, options and flags, with straight and curly quotes', () => {
    const request = parsePollRequest(
      '“Which day?” "Mon day" \'Tue\' Wed --multi --anonymous --closes 1d2h --to #community news',
      NOW,
    );
    expect(request).toEqual({
      question: 'Which day?',
      options: ['Mon day', 'Tue', 'Wed'],
      multi: true,
      anonymous: true,
      closes: { afterMs: 26 * 3_600_000 },
      targets: ['#community', 'news'],
    });
  });

  it('keeps a quoted "--multi" as text and an escaped quote inside quotes', () => {
    expect(tokenize('"say \\"hi\\"" "--multi"')).toEqual([
      { text: 'say "hi"', quoted: true },
      { text: '--multi', quoted: true },
    ]);
    expect(parsePollRequest('"Q?" "--multi" "b"', NOW)).toMatchObject({
      options: ['--multi', 'b'],
      multi: false,
    });
  });

  it.each([
    ['', /question/],
    ['"Q?" "only one"', /at least 2 options/],
    [`"Q?" ${Array.from({ length: 11 }, (_, i) => `"o${i}"`).join(' ')}`, /at most 10 options/],
    ['"Q?" "a" "A"', /given twice/],
    ['"Q?" "a" "b', /quote is not closed/],
    ['"Q?" "a" "b" --frobnicate', /Unknown option --frobnicate/],
    ['"Q?" "a" "b" --closes', /--closes needs a time/],
    ['"Q?" "a" "b" --closes yesterday', /can't read the closing time/],
    ['"Q?" "a" "b" --closes 2020-01-01', /in the past/],
    ['"Q?" "a" "b" --to', /--to needs/],
    [`"${'x'.repeat(301)}" "a" "b"`, /question is too long/],
    [`"Q?" "${'x'.repeat(101)}" "b"`, /longer than 100/],
  ])('refuses %j clearly', (args, message) => {
    expect(() => parsePollRequest(args, NOW)).toThrow(UserFacingError);
    expect(() => parsePollRequest(args, NOW)).toThrow(message);
  });

  it('reads closing durations and times (UTC unless an offset or a zone is given)', () => {
    expect(parseClosing('30m', NOW)).toEqual({ afterMs: 30 * 60_000 });
    expect(parseClosing('in 2h', NOW)).toEqual({ afterMs: 2 * 3_600_000 });
    expect(parseClosing('1w', NOW)).toEqual({ afterMs: 7 * 86_400_000 });
    expect(parseClosing('2026-12-01 18:00', NOW)).toEqual({ at: new Date('2026-12-01T18:00:00Z') });
    expect(parseClosing('2026-12-01T18:00+01:00', NOW)).toEqual({ at: new Date('2026-12-01T17:00:00Z') });
    expect(parseClosing('tomorrow 18:00 Europe/Berlin', NOW)).toEqual({
      at: new Date('2026-11-24T17:00:00Z'),
    });
  });

  it('reads --at: once (closing counted from the posting) or repeating (closing must be a duration)', () => {
    const once = parsePollRequest('"Q?" "a" "b" --at 2026-11-25 09:00 --closes 1d', NOW);
    expect(once.at).toEqual({ kind: 'once', runAt: new Date('2026-11-25T09:00:00Z'), timezone: 'UTC' });
    expect(once.closes).toEqual({ afterMs: 86_400_000 });
    const weekly = parsePollRequest('"Q?" "a" "b" --at every monday 09:00 Europe/Berlin --closes 2d', NOW);
    expect(weekly.at).toEqual({ kind: 'cron', cron: '0 9 * * 1', timezone: 'Europe/Berlin' });
    expect(parsePollRequest('"Q?" "a" "b" --at "0 9 * * 1"', NOW).at).toMatchObject({ cron: '0 9 * * 1' });
    expect(() => parsePollRequest('"Q?" "a" "b" --at every monday 09:00 --closes 2026-12-01', NOW)).toThrow(
      /repeating poll closes a while after each posting/,
    );
    expect(() => parsePollRequest('"Q?" "a" "b" --at whenever', NOW)).toThrow(UserFacingError);
    expect(() => parsePollRequest('"Q?" "a" "b" --at 2020-01-01 09:00', NOW)).toThrow(/in the past/);
  });
});

const poll = (multi: boolean, options = ['A', 'B', 'C']): PollRecord => ({
  id: '0b4f6c1e-6a51-4c39-9a3e-2f0a7d5c8e11',
  question: 'Q?',
  options,
  multi,
  anonymous: false,
  status: 'open',
  closesAt: null,
  closedAt: null,
  createdAt: NOW,
  createdBy: null,
});

describe('poll rendering and results', () => {
  it('shares always sum to 100 for a single-choice poll (largest remainder)', () => {
    expect(sharesOf([1, 1, 1])).toEqual([34, 33, 33]);
    expect(sharesOf([12, 13, 0])).toEqual([48, 52, 0]);
    expect(sharesOf([0, 0])).toEqual([0, 0]);
    for (const counts of [
      [1, 2, 3, 4, 5, 6, 7],
      [333, 333, 334],
      [1, 0, 0, 0, 2],
    ]) {
      expect(sharesOf(counts).reduce((a, b) => a + b, 0)).toBe(100);
    }
  });

  it('a multiple-choice poll gives the share of voters per option', () => {
    expect(percentages(poll(true), { counts: [4, 2, 1], voters: 4 })).toEqual([100, 50, 25]);
  });

  it('draws a ten-cell bar with percentage and count', () => {
    expect(bar(48)).toBe('█████░░░░░');
    expect(bar(0)).toBe('░░░░░░░░░░');
    expect(bar(100)).toBe('██████████');
    expect(resultLines(poll(false, ['Yes', 'No']), { counts: [12, 13], voters: 25 })).toEqual([
      '█████░░░░░  48% (12)  Yes',
      '█████░░░░░  52% (13)  No',
    ]);
  });

  it('renders native, buttons and numbered forms', () => {
    const p = poll(false);
    expect(pollContent(p, 'native').poll).toMatchObject({ pollId: p.id, options: ['A', 'B', 'C'] });
    const buttons = pollContent(p, 'buttons').buttons?.flat() ?? [];
    expect(buttons.map((b) => [b.actionId, b.value])).toEqual([
      ['poll.vote', `${p.id}:0`],
      ['poll.vote', `${p.id}:1`],
      ['poll.vote', `${p.id}:2`],
    ]);
    expect(pollContent(p, 'numbered').text).toContain('1. A\n2. B\n3. C\nReply 1, 2 or 3 to vote.');
  });

  it('chooses the rendering by capability', () => {
    const caps = {
      buttons: true,
      nativePolls: true,
      threads: false,
      editMessages: true,
      files: false,
      blocks: false,
      maxTextLength: 4096,
      rateLimits: [],
    };
    const group = { isDirect: false };
    expect(renderingFor(caps, { anonymous: false }, group)).toBe('native');
    expect(renderingFor(caps, { anonymous: false }, { isDirect: false, isBroadcastChannel: true })).toBe(
      'buttons',
    );
    expect(renderingFor(caps, { anonymous: true }, group)).toBe('buttons');
    expect(renderingFor({ ...caps, nativePollsAnonymousInGroups: true }, { anonymous: false }, group)).toBe(
      'buttons',
    );
    expect(
      renderingFor({ ...caps, nativePollsAnonymousInGroups: true }, { anonymous: false }, { isDirect: true }),
    ).toBe('native');
    expect(renderingFor({ ...caps, nativePolls: false, buttons: false }, { anonymous: false }, group)).toBe(
      'numbered',
    );
    expect(renderingFor(undefined, { anonymous: false }, group)).toBe('numbered');
  });

  it('reads button values strictly', () => {
    expect(parseVoteValue('0b4f6c1e-6a51-4c39-9a3e-2f0a7d5c8e11:2')).toEqual({
      pollId: '0b4f6c1e-6a51-4c39-9a3e-2f0a7d5c8e11',
      idx: 2,
    });
    for (const bad of [
      undefined,
      '',
      'x:1',
      '0b4f6c1e-6a51-4c39-9a3e-2f0a7d5c8e11:-1',
      "1'; DROP TABLE vote;--:1",
    ]) {
      expect(parseVoteValue(bad)).toBeNull();
    }
  });

  it('computes the next choice: replace, toggle, retract, refuse', () => {
    expect(nextChoice(poll(false), [0], { set: [2] })).toEqual([2]);
    expect(nextChoice(poll(false), [0], { set: [] })).toEqual([]);
    expect(nextChoice(poll(false), [0], { toggle: 0 })).toEqual([]);
    expect(nextChoice(poll(false), [0], { toggle: 1 })).toEqual([1]);
    expect(nextChoice(poll(true), [0], { toggle: 2 })).toEqual([0, 2]);
    expect(nextChoice(poll(false), [], { set: [0, 1] })).toMatch(/one answer/);
    expect(nextChoice(poll(false), [], { set: [3] })).toMatch(/out of range/);
    expect(nextChoice(poll(false), [], { toggle: -1 })).toMatch(/out of range/);
  });
});
