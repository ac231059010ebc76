import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeXApi, snowflakeAt } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startXHearth, X_FAST_SENDS, X_TEST_ENV, type XHearth, xUserId } from './harness.ts';

const HOOK = 'https://shop.example/x/webhook';
const SECRET = X_TEST_ENV.X_APP_SECRET;

/** X's signature, computed here independently of the adapter. */
const sign = (data: string) => `sha256=${createHmac('sha256', SECRET).update(data).digest('base64')}`;

/** An Account Activity delivery of one DM, as X posts it. */
function delivery(botUserId: string, senderId: string, text: string, id = String(snowflakeAt(Date.now()))) {
  return JSON.stringify({
    for_user_id: botUserId,
    direct_message_events: [
      {
        type: 'message_create',
        id,
        created_timestamp: String(Date.now()),
        message_create: { target: { recipient_id: botUserId }, sender_id: senderId, message_data: { text } },
      },
    ],
    users: { [senderId]: { id: senderId, name: 'Customer', screen_name: 'customer' } },
  });
}

describe.each(TEST_DATABASES)('X webhook ($name)', (kind) => {
  let fake: FakeXApi;
  let t: XHearth;
  let url: string;
  const post = (body: string, signature: string | undefined) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-twitter-webhooks-signature': signature } : {}),
      },
      body,
    });

  beforeAll(async () => {
    fake = await FakeXApi.start();
    t = await startXHearth(await kind.open(), { fake, env: { ...X_FAST_SENDS, X_WEBHOOK_URL: HOOK } });
    url = `${t.app.baseUrl}/x/webhook`;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('answers the CRC challenge with the HMAC-SHA256 response token', async () => {
    const token = 'Y3JjLXRva2VuLWZyb20teA-_1234';
    const response = await fetch(`${url}?crc_token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_token: sign(token) });
  });

  it('refuses to sign a crc_token that does not look like one (no signing oracle)', async () => {
    const body = delivery(fake.botUserId, xUserId('oracle'), '/topics');
    for (const token of [body, 'short', 'a'.repeat(200), 'has spaces in it ok?']) {
      const response = await fetch(`${url}?crc_token=${encodeURIComponent(token)}`);
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain('sha256=');
    }
    expect((await fetch(url)).status).toBe(400);
  });

  it('a signed DM is answered; not polling at all', async () => {
    const ann = xUserId('hook-ann');
    const body = delivery(fake.botUserId, ann, 'When are you open?');
    const response = await post(body, sign(body));
    expect(response.status).toBe(200);
    await t.replyTo(ann, "We're open Monday");
    expect(fake.calls.filter((c) => c.path === '/2/dm_events')).toEqual([]);
  });

  it('a forged or unsigned POST gets 401 and nothing is processed', async () => {
    const eve = xUserId('hook-eve');
    const body = delivery(fake.botUserId, eve, '/topics');
    const forged = await post(body, sign(`${body} `));
    expect(forged.status).toBe(401);
    const wrongKey = `sha256=${createHmac('sha256', 'other-secret').update(body).digest('base64')}`;
    expect((await post(body, wrongKey)).status).toBe(401);
    expect((await post(body, undefined)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sent(eve)).toEqual([]);
    expect(t.adapterLog.find('warn', 'x webhook refused').length).toBe(3);
  });

  it('a replayed delivery (same DM event id) is answered once', async () => {
    const bo = xUserId('hook-bo');
    const body = delivery(fake.botUserId, bo, '/topics');
    expect((await post(body, sign(body))).status).toBe(200);
    expect((await post(body, sign(body))).status).toBe(200);
    await t.replyTo(bo, 'Topics:');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sent(bo)).toHaveLength(1);
  });

  it('the bot’s own DMs pushed back (dm.sent) are not answered; a signed non-JSON body is a 400', async () => {
    const cy = xUserId('hook-cy');
    const own = delivery(fake.botUserId, fake.botUserId, '/topics');
    expect((await post(own, sign(own))).status).toBe(200);
    expect((await post('not json', sign('not json'))).status).toBe(400);
    const body = delivery(fake.botUserId, cy, '/help');
    expect((await post(body, sign(body))).status).toBe(200);
    await t.replyTo(cy, '/subscribe');
    expect(
      fake.events.filter((e) => e.sender_id === fake.botUserId && e.text.startsWith('Topics:')),
    ).toHaveLength(1);
  });
});
