/**
 * Property-based tests of the command parsers: the pure ones (polls, schedule times, FAQ pairs,
 * broadcast content, channel names) answer any text with a result or a UserFacingError (an answer
 * the owner sees), never another error; and every owner and customer command, run end to end
 * through the console and a real database with arguments built from its grammar and hostile text,
 * gets an answer, never "something went wrong". Case counts: RUNS in arbitraries.ts (printed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserFacingError } from '../../src/core/errors.ts';
import type { Database } from '../../src/db/database.ts';
import { contentFromText } from '../../src/features/broadcasts/content.ts';
import { channelName } from '../../src/features/channels/service.ts';
import { parseClosing, parsePollRequest, tokenize } from '../../src/features/polls/parse.ts';
import { parseQuestionAnswer } from '../../src/features/support/commands.ts';
import { parseWhen } from '../../src/scheduler/when.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { check, checkAsync, hostileString, printCounts, RUNS } from './arbitraries.ts';

afterAll(() => printCounts('commands'));

/** Words of the owner commands' grammar, so generated arguments reach past the first check. */
const GRAMMAR = [
  '"Which day?"',
  '"Mon"',
  '"Tue"',
  '“Curly?”',
  '""',
  '"',
  '--multi',
  '--anonymous',
  '--closes',
  '--to',
  '--at',
  '—to',
  '2h',
  '1d',
  '90m',
  '0m',
  '99999d',
  '-5h',
  '2026-12-01 18:00',
  '2026-02-30 25:61',
  '1970-01-01 00:00',
  'tomorrow',
  'today',
  'at',
  '9:00',
  '24:00',
  '23:59',
  'in',
  '5',
  'minutes',
  'hours',
  'every',
  'monday,friday',
  'weekday',
  'day',
  'cron',
  '"0 9 * * 1"',
  '"* * * * * * *"',
  "'61 * * * *'",
  '"@yearly"',
  'Europe/Berlin',
  'Mars/Olympus',
  'UTC',
  '#crowd',
  '#',
  '#news',
  'news',
  'all',
  'subscribers',
  'telegram:42',
  'slack:U1',
  ':',
  '|',
  '[Label](https://x.example/a)',
  '[x](javascript:alert(1))',
  'list',
  'add',
  'remove',
  'close',
  'results',
  'export',
  'forget',
  'show',
  'week',
  'month',
  'deadbeef',
  '00000000',
  '<!channel>',
  '&amp;',
  '週 🔥 & <b>',
];
const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...GRAMMAR) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer().map(String) },
);
const args = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(' '));
const now = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z') });
const timezone = fc.constantFrom(
  'UTC',
  'Europe/Berlin',
  'Pacific/Kiritimati',
  'America/St_Johns',
  'Asia/Kathmandu',
);

/** Runs `parse`; a UserFacingError is an answer, any other error fails the property. */
function answers(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
  }
}

describe('owner command parsers, pure', () => {
  it('poll requests, closing times and schedule times: a result or an answer for the owner', () => {
    check(
      'parsePollRequest',
      fc.tuple(args, now, timezone),
      ([a, n, tz]) => answers(() => parsePollRequest(a, n, tz)),
      RUNS.parser,
    );
    check(
      'parseClosing',
      fc.tuple(args, now, timezone),
      ([a, n, tz]) => answers(() => parseClosing(a, n, tz)),
      RUNS.parser,
    );
    check(
      'parseWhen',
      fc.tuple(args, now, timezone),
      ([a, n, tz]) => answers(() => parseWhen(a, n, tz)),
      RUNS.parser,
    );
  });

  it('tokens (or an answer), FAQ pairs, broadcast content and channel names keep their shapes', () => {
    check(
      'tokenize',
      args,
      (a) =>
        answers(() => {
          for (const token of tokenize(a)) expect(typeof token.text).toBe('string');
        }),
      RUNS.parser,
    );
    check(
      'parseQuestionAnswer',
      args,
      (a) => {
        const parsed = parseQuestionAnswer(a);
        if (parsed) expect(parsed.question.length > 0 && parsed.answer.length > 0).toBe(true);
      },
      RUNS.parser,
    );
    check(
      'contentFromText',
      args,
      (a) => {
        const content = contentFromText(a);
        expect(typeof content.text).toBe('string');
        if (content.link) expect(content.link.url).toMatch(/^https?:\/\//);
      },
      RUNS.parser,
    );
    check(
      'channelName',
      args,
      (a) => {
        expect(channelName(a)).toMatch(/^[a-z0-9_-]{0,40}$/);
      },
      RUNS.parser,
    );
  });
});

const OWNER_COMMANDS = [
  'help',
  'stats',
  'subscribers',
  'topics',
  'topic',
  'member',
  'faq',
  'resolve',
  'poll',
  'polls',
  'announce',
  'schedule',
  'schedules',
  'cancel',
  'pause',
  'resume',
  'channels',
  'nonsense',
];
const CUSTOMER_COMMANDS = [
  '/start',
  '/help',
  '/topics',
  '/subscribe',
  '/unsubscribe',
  '/register',
  '/unregister',
  'STOP',
  '',
];
const SORRY = /something went wrong/i;

// A few hundred commands through a whole Hearth and a database: seconds, or a minute on a loaded machine.
describe.each(TEST_DATABASES)(
  'every command end to end, any arguments ($name)',
  { timeout: 180_000 },
  (kind) => {
    let database: Database;
    let app: TestHearth;

    beforeAll(async () => {
      database = await kind.open();
      app = await startTestHearth({ database });
      // Something to find: a subscriber, a registered group, an open handoff.
      await app.post('/console/api/messages', {
        platform: 'telegram',
        userId: 'sub-1',
        text: '/subscribe news',
      });
      await app.post('/console/api/messages', {
        platform: 'telegram',
        userId: 'admin-1',
        chatId: '#crowd',
        isChatAdmin: true,
        text: '/register crowd',
      });
      await app.post('/console/api/messages', {
        platform: 'discord',
        userId: 'q-1',
        text: 'Do you fix bicycles?',
      });
    });
    afterAll(async () => {
      await app?.stop();
    });

    async function says(body: Record<string, unknown>): Promise<void> {
      const response = await app.post('/console/api/messages', body);
      const replies = ((response.body as { replies?: { text: string }[] }).replies ?? []).map((r) => r.text);
      if (response.status !== 200) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
      if (replies.some((text) => SORRY.test(text))) throw new Error(`failed on ${JSON.stringify(body.text)}`);
    }

    it('owner commands (console owner view) answer, never fail', async () => {
      await checkAsync(
        `owner commands end to end (${kind.name})`,
        fc.tuple(fc.constantFrom(...OWNER_COMMANDS), args),
        ([name, a]) =>
          says({ platform: 'slack', chatId: '#owners', userId: 'U-owner', text: `/hearth ${name} ${a}` }),
        RUNS.endToEnd,
      );
      expect(app.log.find('error', 'handler failed')).toEqual([]);
    });

    it('customer commands and messages, direct and in a group, answer, never fail', async () => {
      await checkAsync(
        `customer commands end to end (${kind.name})`,
        fc.tuple(
          fc.constantFrom(...CUSTOMER_COMMANDS),
          args,
          fc.boolean(),
          fc.constantFrom('telegram', 'discord', 'x'),
        ),
        ([command, a, group, platform]) =>
          says({
            platform,
            userId: 'fuzzy',
            name: 'Fuzzy',
            ...(group ? { chatId: '#crowd', isChatAdmin: true } : {}),
            text: `${command} ${a}`,
          }),
        RUNS.endToEnd,
      );
      expect(app.log.find('error', 'handler failed')).toEqual([]);
    });
  },
);
