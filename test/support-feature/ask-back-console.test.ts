import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';

interface Reply {
  text: string;
  buttons?: { actionId: string; label: string; value?: string }[][];
}
interface FeedEntry {
  direction: 'in' | 'out';
  platform: string;
  chatId: string;
  threadId?: string;
  text: string;
  messageId?: string;
  buttons?: Reply['buttons'];
}

const OWNERS = '#owners';
/** The example FAQ plus two pairs of near-twin entries (cake sizes, breads): a question that fits a pair is asked back. */
const BAKERY_FAQ = fileURLToPath(new URL('../fixtures/support-bakery-faq.json', import.meta.url));
const WAIT_MS = 15_000;

/**
 * Support's three outcomes end to end through the console adapter and a real database: ask-back
 * with buttons (Telegram) and numbered (X, no buttons), picks answered and recorded, thanks, urgent
 * handoffs flagged, and learning (owner click, or automatically after N confirmations).
 */
describe.each(TEST_DATABASES)(
  'support ask-back, small talk, urgent and learning through the console ($name)',
  (kind) => {
    let database: Database;
    let app: TestHearth;

    beforeAll(async () => {
      database = await kind.open();
      app = await startTestHearth({ database, env: { SUPPORT_FAQ_SEED: BAKERY_FAQ } });
    });
    afterAll(async () => {
      await app?.stop();
    });

    async function ask(userId: string, text: string, platform = 'telegram'): Promise<Reply[]> {
      const res = await app.post('/console/api/messages', { platform, userId, name: `${userId}-name`, text });
      expect(res.status).toBe(200);
      return (res.body as { replies: Reply[] }).replies;
    }

    async function press(platform: string, userId: string, actionId: string, value: string, chatId?: string) {
      const res = await app.post('/console/api/actions', {
        platform,
        userId,
        ...(chatId ? { chatId } : {}),
        actionId,
        value,
      });
      expect(res.status).toBe(200);
      return (res.body as { replies: Reply[] }).replies;
    }

    async function ownerSays(text: string): Promise<Reply[]> {
      const res = await app.post('/console/api/messages', {
        platform: 'slack',
        userId: 'owner-1',
        name: 'Olivia',
        chatId: OWNERS,
        text,
      });
      expect(res.status).toBe(200);
      return (res.body as { replies: Reply[] }).replies;
    }

    function ownersFeed(predicate: (entry: FeedEntry) => boolean): Promise<FeedEntry> {
      return until(
        () => (app.hub.transcript.after(0) as FeedEntry[]).find((e) => e.chatId === OWNERS && predicate(e)),
        'an owners channel message',
        WAIT_MS,
      );
    }

    const entryNamed = (question: string) =>
      database.prisma.faqEntry.findFirstOrThrow({ where: { question } });
    const LARGE = 'How much is a large birthday cake?';
    const SMALL = 'How much is a small birthday cake?';

    it('numbers the choices where the platform has no buttons, and a number picks', async () => {
      const [asked] = await ask('xena', 'how much is a birthday cake', 'x');
      expect(asked?.buttons).toBeUndefined();
      expect(asked?.text).toMatch(/^Did you mean…\n1\. How much is a (small|large) birthday cake\?\n2\. /);
      expect(asked?.text).toMatch(/\n\d\. Something else - ask a person\nReply with the number\.$/);
      const small = (asked?.text.match(/(\d)\. How much is a small birthday cake/) ?? [])[1] ?? '';
      expect((await ask('xena', '9', 'x'))[0]?.text).toMatch(/reply with a number from 1 to/);
      const [answer] = await ask('xena', small, 'x');
      expect(answer?.text).toContain('A small birthday cake (serves 8) is 25.');
      const picked = await database.prisma.askBack.findFirstOrThrow({
        where: { question: 'how much is a birthday cake' },
      });
      expect(picked).toMatchObject({ status: 'picked', pickedFaqId: (await entryNamed(SMALL)).id });

      const [second] = await ask('xena', 'do you bake bread for special diets', 'x');
      expect(second?.text).toMatch(/^Did you mean…\n1\. Do you bake /);
      const none = (second?.text.match(/(\d)\. Something else/) ?? [])[1] ?? '';
      const [handed] = await ask('xena', none, 'x');
      expect(handed?.text).toMatch(/passed your question to the team/);
      const handoff = await database.prisma.handoff.findFirstOrThrow({
        where: { question: 'do you bake bread for special diets' },
      });
      expect(handoff).toMatchObject({ reason: 'picked_none', urgent: false });
      const root = await ownersFeed((e) => !e.threadId && e.text.includes('chose "Something else"'));
      expect(root.buttons?.flat().some((b) => b.actionId === 'support:link')).toBe(true);
    });

    it('asks back with buttons; the pick answers, is recorded, and waits for an owner click to be learned', async () => {
      const [asked] = await ask('ann', 'birthday cake price?');
      expect(asked?.text).toBe('Did you mean…');
      const buttons = asked?.buttons?.flat() ?? [];
      expect(buttons.map((b) => b.label)).toEqual(expect.arrayContaining([LARGE, SMALL]));
      expect(buttons.at(-1)?.label).toBe('Something else → ask a person');
      expect(buttons.every((b) => b.actionId === 'support:pick')).toBe(true);
      const choice = buttons.find((b) => b.label === LARGE);

      const picksBefore = await database.prisma.metricEvent.count({ where: { type: 'ask_back_picked' } });
      const [answer] = await press('telegram', 'ann', 'support:pick', choice?.value ?? '');
      expect(answer?.text).toContain('A large birthday cake (serves 20) is 45.');
      const entry = await entryNamed(LARGE);
      const askBack = await database.prisma.askBack.findFirstOrThrow({
        where: { question: 'birthday cake price?' },
      });
      expect(askBack).toMatchObject({ status: 'picked', pickedFaqId: entry.id });
      expect(await database.prisma.metricEvent.count({ where: { type: 'ask_back_picked' } })).toBe(
        picksBefore + 1,
      );
      const candidate = await database.prisma.faqPhrasingCandidate.findFirstOrThrow({
        where: { faqId: entry.id },
      });
      expect(candidate).toMatchObject({
        text: 'birthday cake price?',
        status: 'waiting',
        source: 'pick',
        confirmations: 1,
      });
      expect(entry.alternatives).not.toContain('birthday cake price?');

      // A second press of the same (now closed) question does not answer twice.
      const [again] = await press('telegram', 'ann', 'support:pick', choice?.value ?? '');
      expect(again?.text).toMatch(/already been answered/);
      // Nobody else can press another customer's choice.
      const [foreign] = await press('telegram', 'bob', 'support:pick', choice?.value ?? '');
      expect(foreign?.text).toMatch(/already been answered/);

      const note = await ownersFeed(
        (e) => e.text.includes('birthday cake price?') && e.text.includes('A customer picked'),
      );
      const add = note.buttons?.flat().find((b) => b.actionId === 'support:phrasing-add');
      expect(add?.value).toBe(candidate.id);
      const refused = await press('telegram', 'ann', 'support:phrasing-add', candidate.id);
      expect(refused[0]?.text).toMatch(/Only the owners/);
      const stats = await ownerSays('/hearth stats day');
      expect(stats.map((r) => r.text).join('\n')).toMatch(
        /Customer wordings waiting for your click \(2\):\n[\s\S]*“birthday cake price\?” → How much is a large birthday cake\? \(1×\)/,
      );
      const pending = await ownerSays('/hearth faq pending');
      expect(pending[0]?.text).toContain(`“birthday cake price?” → “${LARGE}”`);

      const [added] = await press('slack', 'owner-1', 'support:phrasing-add', candidate.id, OWNERS);
      expect(added?.text).toMatch(/Added “birthday cake price\?” as a phrasing/);
      expect((await entryNamed(LARGE)).alternatives).toContain('birthday cake price?');
      const [learned] = await ask('cy', 'birthday cake price?');
      expect(learned?.text).toContain('A large birthday cake (serves 20) is 45.');
    });

    it('answers thanks and greetings kindly, never with an FAQ entry or a handoff', async () => {
      const before = await database.prisma.handoff.count();
      expect((await ask('dee', 'thank you so much!!'))[0]?.text).toBe("You're welcome! 😊");
      expect((await ask('dee', 'thanks, the cake was amazing'))[0]?.text).toBe("You're welcome! 😊");
      expect((await ask('dee', 'hi'))[0]?.text).toMatch(/What can I help you with/);
      expect(await database.prisma.handoff.count()).toBe(before);
    });

    it('hands urgent messages over flagged urgent, and an owner link teaches the entry', async () => {
      const [reply] = await ask('eli', 'HELP the delivery never came and the party starts in 1 hour!!!');
      expect(reply?.text).toMatch(/flagged this as urgent/);
      const handoff = await database.prisma.handoff.findFirstOrThrow({
        where: { memberId: { not: '' }, urgent: true },
      });
      expect(handoff.reason).toBe('urgent');
      const root = await ownersFeed((e) => !e.threadId && e.text.startsWith('🚨 URGENT'));
      expect(root.text).toContain('the delivery never came');

      const link = root.buttons?.flat().find((b) => b.actionId === 'support:link');
      expect(link?.label).toMatch(/It asks: Do you deliver\?/);
      const [linked] = await press('slack', 'owner-1', 'support:link', link?.value ?? '', OWNERS);
      expect(linked?.text).toMatch(/as a phrasing of FAQ “Do you deliver\?”/);
      const delivery = await database.prisma.faqEntry.findFirstOrThrow({
        where: { question: 'Do you deliver?' },
      });
      await until(
        async () =>
          (
            await database.prisma.faqEntry.findUniqueOrThrow({ where: { id: delivery.id } })
          ).alternatives.includes(handoff.question) || undefined,
        'the linked question added as a phrasing',
        WAIT_MS,
      );
    });

    it('learns by itself after N confirmations when the owners set it', async () => {
      expect((await ownerSays('/hearth faq learn auto 2'))[0]?.text).toMatch(/confirmed 2 times/);
      const question = 'do you bake bread for special diets';
      for (const user of ['fin', 'gil']) {
        const [asked] = await ask(user, question);
        const choice = asked?.buttons?.flat().find((b) => b.label === 'Do you bake vegan bread?');
        expect(choice).toBeDefined();
        const [answer] = await press('telegram', user, 'support:pick', choice?.value ?? '');
        expect(answer?.text).toContain('all our sourdough loaves are vegan');
      }
      expect((await entryNamed('Do you bake vegan bread?')).alternatives).toContain(question);
      const candidate = await database.prisma.faqPhrasingCandidate.findFirstOrThrow({
        where: { text: question },
      });
      expect(candidate).toMatchObject({ status: 'added', confirmations: 2 });
      expect((await ownerSays('/hearth faq learn manual'))[0]?.text).toMatch(/wait for your click/);
    });

    it('owners see and extend the vocabulary with /hearth faq words', async () => {
      const listed = await ownerSays('/hearth faq words');
      expect(listed[0]?.text).toMatch(/Built-in general English: \d+ word groups/);
      const added = await ownerSays('/hearth faq words add parcel, package, order');
      expect(added[0]?.text).toMatch(/Added word group .*: parcel, package, order/);
      const urgent = await ownerSays('/hearth faq words urgent water everywhere');
      expect(urgent[0]?.text).toMatch(/Added urgent phrase/);
      expect(await database.prisma.faqWord.count()).toBe(2);
      const [reply] = await ask('hal', 'there is water everywhere in the shop entrance');
      expect(reply?.text).toMatch(/flagged this as urgent/);
      const again = await ownerSays('/hearth faq words');
      expect(again[0]?.text).toContain('parcel, package, order');
      const id = (again[0]?.text.match(/• (\w{8}) parcel/) ?? [])[1] ?? '';
      expect((await ownerSays(`/hearth faq words remove ${id}`))[0]?.text).toMatch(/Removed word group/);
      const bad = await ownerSays('/hearth faq words add lonely');
      expect(bad[0]?.text).toMatch(/at least two words/);
    });

    it('asks back about the covered clause of a message wrapped in context, and the pick answers', async () => {
      const text = 'where are you exactly, my satnav keeps sending me round the ring road twice';
      const [asked] = await ask('sam', text);
      expect(asked?.text).toBe('Did you mean…');
      const buttons = asked?.buttons?.flat() ?? [];
      expect(buttons[0]?.label).toBe('Where are you located?');
      const [answer] = await press('telegram', 'sam', 'support:pick', buttons[0]?.value ?? '');
      expect(answer?.text).toContain('12 Market Street');
      const askBack = await database.prisma.askBack.findFirstOrThrow({ where: { question: text } });
      expect(askBack).toMatchObject({
        status: 'picked',
        pickedFaqId: (await entryNamed('Where are you located?')).id,
      });
    });
  },
);
