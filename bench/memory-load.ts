/**
 * bench:memory's inbound load: mixed customer traffic through Hearth's real Telegram adapter (telegraf
 * long polling against the fake Bot API of test/fakes, in this process) — FAQ questions (answered or
 * handed off to the owners), customer commands, and votes on a native poll in a registered group.
 */
import pg from 'pg';
import { FakeTelegramApi } from '../test/fakes/telegram-api.ts';
import { groupText, pollAnswer, privateText } from '../test/telegram/updates.ts';
import { seededRandom } from './seeded-random.ts';

export const LOAD_TOKEN = '7300001:bench-memory';
const GROUP = -1007300001;
const ADMIN = 7_300_000;
const USERS = 2_000;
/** Updates queued at once; the next part waits until telegraf has confirmed these. */
const PART = 500;

const ASKED = [
  'When are you open?',
  'are you open on sunday',
  'What time do you close today?',
  "What's your address?",
  'is there parking near the shop',
  'Do you deliver to {place}?',
  'how much is shipping to {place}',
  'Can I pay by card?',
  'do you take {payment}',
  'How do I get a refund for the {item}?',
  'can I exchange the {item} I bought last week',
  'Do you have gluten free {item}?',
  'my {item} arrived broken, what now',
  'is the {item} vegan',
  'can I book a table for {n} people',
  'do you sell gift cards',
];
const PLACES = ['Leeds', 'the old town', 'Brighton', 'my office', 'the station', 'Camden'];
const PAYMENTS = ['paypal', 'cash', 'apple pay', 'bitcoin', 'cheques'];
const ITEMS = ['sourdough', 'croissants', 'birthday cake', 'baguette', 'muffins', 'rye loaf', 'scones'];
const COMMANDS = ['/start', '/help', '/topics', '/subscribe news', '/unsubscribe news'];

type Update = ReturnType<typeof privateText>;

/** The fake Bot API, the group with its native poll, and a connection to check the outbox. */
export class InboundLoad {
  private readonly random = seededRandom(25);
  private pollId = '';
  private sent = 0;

  private constructor(
    readonly fake: FakeTelegramApi,
    private readonly db: pg.Client,
  ) {}

  static async start(databaseUrl: string): Promise<InboundLoad> {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    return new InboundLoad(await FakeTelegramApi.start(), db);
  }

  /** Registers the group as a community channel (via Telegram) and opens a poll there (via the owners). */
  async prepare(owner: (command: string) => Promise<string[]>): Promise<void> {
    this.fake.setChatMember(GROUP, ADMIN, 'administrator');
    await this.push([groupText(GROUP, ADMIN, '/register bakery')]);
    await this.fake.waitFor(() => this.fake.sent(GROUP).length > 0, 60_000, 'the /register reply');
    const [reply] = await owner(
      '/hearth poll --now "Bread of the week?" "Rye" "Sourdough" "Spelt" --to #bakery',
    );
    const sendPoll = await this.fake.waitFor(
      () => this.fake.calls.find((c) => c.method === 'sendPoll' && c.status === 200),
      60_000,
      `sendPoll (owner got: ${reply})`,
    );
    if (!sendPoll) throw new Error('no poll');
    this.pollId = 'poll-1'; // the fake numbers the polls it is sent, and this is its first
  }

  /** One customer update: 40 % questions, 35 % commands, 25 % votes (changed or retracted). */
  private nextUpdate(): Update {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(this.random() * list.length)] as T;
    const userId = 7_310_000 + Math.floor(this.random() * USERS);
    const roll = this.random();
    if (roll < 0.4) {
      const text = pick(ASKED)
        .replace('{place}', pick(PLACES))
        .replace('{payment}', pick(PAYMENTS))
        .replace('{item}', pick(ITEMS))
        .replace('{n}', String(2 + Math.floor(this.random() * 10)));
      return privateText(userId, text);
    }
    if (roll < 0.75) return privateText(userId, pick(COMMANDS));
    const option = Math.floor(this.random() * 4); // 3: retracts the vote
    return pollAnswer(userId, this.pollId, option === 3 ? [] : [option]);
  }

  /** Sends `count` updates, PART at a time, then waits until every reply has left the outbox. */
  async run(count: number, timeoutMs = 900_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let done = 0; done < count; done += PART) {
      const updates = Array.from({ length: Math.min(PART, count - done) }, () => this.nextUpdate());
      await this.push(updates, deadline - Date.now());
      this.fake.clearRecords(); // the fake's log lives in this process, not in Hearth's
    }
    await waitUntilAsync(async () => (await this.outboxBusy()) === 0, deadline);
  }

  /** Queues updates and waits until telegraf has confirmed (handled) all of them. */
  private async push(updates: Update[], timeoutMs = 120_000): Promise<void> {
    const ids = this.fake.pushUpdate(LOAD_TOKEN, ...updates);
    this.sent += ids.length;
    const last = Math.max(...ids);
    await this.fake.waitFor(() => this.fake.confirmedBelow() > last, timeoutMs, `update ${last} confirmed`);
  }

  private async outboxBusy(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')",
    );
    return Number(rows[0]?.n ?? 0);
  }

  get updatesSent(): number {
    return this.sent;
  }

  async close(): Promise<void> {
    await this.db.end();
    await this.fake.close();
  }
}

async function waitUntilAsync(predicate: () => Promise<boolean>, deadline: number): Promise<void> {
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('bench:memory: the outbox did not drain in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
