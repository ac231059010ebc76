import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { ChildHearth } from '../broadcasts/child-hearth.ts';
import { POSTGRES_URL, TEST_DATABASES } from '../support/databases.ts';
import { createPostgresDatabase, type ThrowawayPostgres } from '../support/postgres.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';

const SECRET = 'reply-handle-secret';
const OWNER = 'UOWNER';
/** A DM between the owner and a colleague: the bot is not in it, so only the response_url reaches it. */
const HUMAN_DM = 'DCOLLEAGUE';

describe.each(TEST_DATABASES)('a slash command keeps its response_url with its reply ($name)', (kind) => {
  let app: SlackHearth;

  beforeAll(async () => {
    app = await startSlackHearth(await kind.open(), {
      owners: 'COWNERS',
      secret: SECRET,
      ownerMembers: [OWNER],
    });
    await app.app.hearth.worker.stop(); // the reply waits in the outbox
  });
  afterAll(async () => app?.stop());

  it('stores the handle (the response_url and its expiry) in the reply’s outbox row', async () => {
    const responseUrl = app.fake.responseUrl('stored');
    await app.signer.slashCommand({ userId: OWNER, channelId: HUMAN_DM, text: 'help', responseUrl });
    const db = app.app.hearth.services.db;
    const row = await until(() => db.outbox.findFirst({ where: { chatId: HUMAN_DM } }), 'the reply row');
    const handle = row.replyHandle as { value: string; expiresAt: string };
    expect(handle.value).toBe(responseUrl);
    const validForMs = Date.parse(handle.expiresAt) - Date.now();
    expect(validForMs).toBeGreaterThan(25 * 60_000); // Slack accepts a response_url for 30 minutes
    expect(validForMs).toBeLessThanOrEqual(30 * 60_000);
  });
});

/**
 * Two Hearth processes on one PostgreSQL (several instances share one database; PGlite is one
 * process only). The first receives an owner's slash command; the second, a real process, sends the
 * reply through the command's response_url, which came to it only through the outbox row.
 */
if (POSTGRES_URL) {
  const serverUrl = POSTGRES_URL;
  describe('a slash command answered through its response_url by another Hearth process', () => {
    let server: ThrowawayPostgres;
    let first: SlackHearth;
    let second: ChildHearth | undefined;

    beforeAll(async () => {
      server = await createPostgresDatabase(serverUrl);
      const database = await openDatabase({ url: server.url, poolSize: 4 });
      first = await startSlackHearth(database, { owners: 'COWNERS', secret: SECRET, ownerMembers: [OWNER] });
      await first.app.hearth.worker.stop(); // this process receives; it sends nothing
      first.fake.unreachableChannels.add(HUMAN_DM);
      second = await ChildHearth.start({
        DATABASE_URL: server.url,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: first.fake.apiUrl,
        SLACK_OWNERS_CHANNEL: 'COWNERS',
        CONSOLE_ENABLED: 'false',
        OUTBOX_POLL_MS: '50',
      });
    }, 90_000);
    afterAll(async () => {
      await second?.stop();
      await first?.stop();
      await server?.drop();
    });

    it('the second process finds the handle in the outbox row and answers through it', async () => {
      const response = await first.signer.slashCommand({
        userId: OWNER,
        channelId: HUMAN_DM,
        channelName: 'directmessage',
        text: 'help',
        responseUrl: first.fake.responseUrl('owner-help'),
      });
      expect(response.status).toBe(200);
      const answer = await until(
        () => first.fake.responses.find((r) => r.id === 'owner-help'),
        'the reply through the response_url',
        30_000,
      );
      expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
      expect(String(answer.body.text)).toMatch(/\/hearth/);
      const db = first.app.hearth.services.db;
      const row = await until(
        () => db.outbox.findFirst({ where: { chatId: HUMAN_DM, status: 'sent' } }),
        'the row marked sent',
      );
      expect(row.replyHandle).toMatchObject({ value: first.fake.responseUrl('owner-help') });
      expect(row.lockedBy).not.toBe(first.app.hearth.worker.id); // sent by the other process
      // The normal send was tried first (the bot is not in that DM), from the other process.
      expect(first.fake.callsTo('chat.postMessage').some((c) => c.body.channel === HUMAN_DM)).toBe(true);
    });
  });
}
