import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FakeSlackApi } from '../fakes/slack-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';

describe('Slack Socket Mode (real Bolt against a fake Socket Mode server)', () => {
  let fake: FakeSlackApi;
  let adapter: SlackAdapter;
  const received: InboundEvent[] = [];

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    await fake.startSocketMode();
    adapter = new SlackAdapter({
      botToken: 'xoxb-test',
      appToken: 'xapp-test',
      apiUrl: fake.apiUrl,
      ownersChannel: 'COWNERS',
      log: new CapturingLogger(),
    });
    await adapter.start(
      adapterContext(async (event) => {
        received.push(event);
        return { handled: true, enqueued: 0 };
      }),
    );
  });
  afterAll(async () => {
    await adapter?.stop();
    await fake?.close();
  });

  it('runs in Socket Mode when an app token is set', () => {
    expect(adapter.mode).toBe('socket');
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
  });

  it('acks a slash command over the socket, then hands it to Hearth', async () => {
    const ack = await fake.sendEnvelope('slash_commands', {
      team_id: 'T1',
      channel_id: 'COWNERS',
      user_id: 'U1',
      command: '/hearth',
      text: 'stats week',
      api_app_id: 'A1',
      trigger_id: 'trig-socket-1',
      response_url: fake.responseUrl(),
    });
    expect(ack.envelope_id).toBeTruthy();
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(received[0]).toMatchObject({
      kind: 'command',
      id: 'cmd:trig-socket-1',
      name: 'hearth',
      args: 'stats week',
      address: { chatId: 'COWNERS' },
    });
  });
});
