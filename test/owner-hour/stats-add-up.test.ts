import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { consoleDriver, OWNERS } from './console-helpers.ts';

/** The example FAQ plus near-twin entries: a question that fits a pair is asked back. */
const BAKERY_FAQ = fileURLToPath(new URL('../fixtures/support-bakery-faq.json', import.meta.url));

/** Issue 23 item 7: every question asked is counted once, by how it ended; each figure is defined once. */
describe.each(TEST_DATABASES)('stats that add up ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  const { ask, ownerSays, press, handOff } = consoleDriver(
    () => app,
    () => database,
  );

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database, env: { SUPPORT_FAQ_SEED: BAKERY_FAQ } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('a 👎 counts once, an unpicked ask-back is its own figure, resolved-without-reply is not waiting', async () => {
    // Answered automatically, then 👎: one question, handed off.
    const answered = await ask('amy', 'when are you open on saturday?');
    const down = answered.replies[0]?.buttons?.flat().find((b) => b.actionId === 'support:not-helpful');
    await press('telegram', 'amy', 'support:not-helpful', down?.value ?? '');
    // Answered automatically and left so.
    await ask('bob', 'when are you open on saturday?');
    // Asked back, no pick yet.
    const asked = await ask('cat', 'birthday cake price?');
    expect(asked.replies[0]?.text).toMatch(/Did you mean/);
    // Handed off and resolved without a reply.
    const { handoffId } = await handOff('dan', 'Can you deliver to the lighthouse island by boat?');
    await press('slack', 'owner-1', 'support:resolve', handoffId, OWNERS);

    const stats = (await ownerSays('/hearth stats day')).replies[0]?.text ?? '';
    expect(stats).toContain(
      'Questions: 4 asked = 1 answered automatically + 2 handed off + 1 asked back, no pick',
    );
    expect(stats).toMatch(
      /Handoffs: 0 answered \(median first answer n\/a\), 1 waiting, 1 resolved without a reply/,
    );
    expect(stats).toContain('Notes: Asked: new questions from customers');
    expect(stats.match(/Asked: new questions/g)).toHaveLength(1);
    // Item 9: the window in the business's timezone, in words, not ISO instants.
    expect(stats).toMatch(
      /\([A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} at \d{2}:\d{2} – [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} at \d{2}:\d{2} UTC\)/,
    );
    expect(stats).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});
