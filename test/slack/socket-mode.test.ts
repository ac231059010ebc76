import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapters } from '../../adapters/registry.ts';
import { createSlackAdapter, SlackAdapter } from '../../adapters/slack/index.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FakeSlackApi } from '../fakes/slack-api.ts';
import { testConfig } from '../support/hearth.ts';
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
    await adapter.start(async (event) => {
      received.push(event);
      return { handled: true, enqueued: 0 };
    });
  });
  afterAll(async () => {
    await adapter?.stop();
    await fake?.close();
  });

  it('is selected when an app token is set, and only with a bot token', () => {
    expect(adapter.mode).toBe('socket');
    const log = new CapturingLogger();
    expect(
      createSlackAdapter({ SLACK_BOT_TOKEN: 'xoxb', SLACK_APP_TOKEN: 'xapp', SLACK_SIGNING_SECRET: 's' }, log)
        ?.mode,
    ).toBe('socket');
    expect(createSlackAdapter({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' }, log)?.mode).toBe(
      'http',
    );
    expect(createSlackAdapter({ SLACK_BOT_TOKEN: 'xoxb' }, log)).toBeNull();
    expect(createSlackAdapter({ SLACK_APP_TOKEN: 'xapp', SLACK_SIGNING_SECRET: 's' }, log)).toBeNull();
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
  });

  it('is registered: created from SLACK_* settings, replacing the console stand-in for Slack', () => {
    const log = new CapturingLogger();
    const withSlack = createAdapters(testConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' }), log);
    const slack = withSlack.filter((a) => a.platform === 'slack');
    expect(slack).toHaveLength(1);
    expect(slack[0]).toBeInstanceOf(SlackAdapter);
    const without = createAdapters(testConfig({}), log).filter((a) => a.platform === 'slack');
    expect(without).toHaveLength(1);
    expect(without[0]).not.toBeInstanceOf(SlackAdapter);
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
