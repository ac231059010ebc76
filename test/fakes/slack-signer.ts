/**
 * Signs Slack requests like Slack does (HMAC v0 over `v0:<timestamp>:<raw body>`) and POSTs them to
 * Hearth: slash commands, interactions (block_actions, view_submission) and Events API callbacks.
 * Options forge the signature, age the timestamp or add `x-slack-retry-num`. Re-exported by
 * ./slack-api.ts; see the doc comment there.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeSlackApi } from './slack-api.ts';

/** How a signed request is (mis)formed, to test verification and retries. */
export interface SignOptions {
  /** Sign with this secret instead of the right one (a forgery). */
  secret?: string;
  /** Unix seconds for `x-slack-request-timestamp` (default: now). */
  timestamp?: number;
  /** Adds `x-slack-retry-num` (and `x-slack-retry-reason: http_timeout`). */
  retryNum?: number;
}

/** Slack's v0 request signature over `v0:<timestamp>:<raw body>`. */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SlashCommandInput {
  userId: string;
  channelId: string;
  text: string;
  command?: string;
  userName?: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
}

/** Signs and POSTs Slack requests (slash commands, interactions, events) to an endpoint. */
export class SlackRequestSigner {
  constructor(
    private readonly secret: string,
    /** Full URL of the receiving endpoint, e.g. http://127.0.0.1:PORT/slack/events. */
    private readonly endpoint: string,
    private readonly fake?: FakeSlackApi,
  ) {}

  /** A slash command (form-encoded like Slack's). `triggerId` is its event id for dedupe. */
  slashCommand(input: SlashCommandInput, options: SignOptions = {}): Promise<Response> {
    const body = new URLSearchParams({
      token: 'legacy-token',
      team_id: 'T1',
      team_domain: 'fake',
      channel_id: input.channelId,
      channel_name: input.channelName ?? input.channelId,
      user_id: input.userId,
      user_name: input.userName ?? input.userId,
      command: input.command ?? '/hearth',
      text: input.text,
      api_app_id: 'A1',
      trigger_id: input.triggerId ?? `trig-${randomUUID()}`,
      response_url: input.responseUrl ?? this.fake?.responseUrl() ?? 'http://127.0.0.1:9/none',
    }).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }

  /** An interaction payload (block_actions, view_submission...), sent as `payload=<json>`. */
  interaction(payload: Record<string, unknown>, options: SignOptions = {}): Promise<Response> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }

  /** A button press on a message (block_actions). */
  buttonPress(
    input: {
      userId: string;
      channelId: string;
      actionId: string;
      value?: string;
      messageTs?: string;
      threadTs?: string;
      triggerId?: string;
    },
    options: SignOptions = {},
  ): Promise<Response> {
    const messageTs = input.messageTs ?? '1700000000.000001';
    return this.interaction(
      {
        type: 'block_actions',
        team: { id: 'T1', domain: 'fake' },
        user: { id: input.userId, username: input.userId, team_id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy-token',
        trigger_id: input.triggerId ?? `trig-${randomUUID()}`,
        channel: { id: input.channelId, name: input.channelId },
        container: { type: 'message', message_ts: messageTs, channel_id: input.channelId },
        message: {
          type: 'message',
          ts: messageTs,
          text: '',
          ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
        },
        response_url: this.fake?.responseUrl() ?? 'http://127.0.0.1:9/none',
        actions: [
          {
            type: 'button',
            action_id: input.actionId,
            block_id: 'b1',
            value: input.value,
            action_ts: '1700000001.000001',
          },
        ],
      },
      options,
    );
  }

  /** An Events API callback wrapping `event`; `eventId` is what a Slack retry repeats. */
  event(event: Record<string, unknown>, options: SignOptions & { eventId?: string } = {}): Promise<Response> {
    const body = JSON.stringify({
      token: 'legacy-token',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: options.eventId ?? `Ev${randomUUID().replaceAll('-', '').slice(0, 10)}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    });
    return this.post(body, 'application/json', options);
  }

  /** A user's message in a channel, thread or DM (`channelType: 'im'` for a DM). */
  message(
    input: {
      userId: string;
      channelId: string;
      text: string;
      ts?: string;
      threadTs?: string;
      channelType?: 'im' | 'channel' | 'group';
    },
    options: SignOptions & { eventId?: string } = {},
  ): Promise<Response> {
    return this.event(
      {
        type: 'message',
        channel: input.channelId,
        channel_type: input.channelType ?? 'channel',
        user: input.userId,
        text: input.text,
        ts:
          input.ts ??
          `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      },
      options,
    );
  }

  /** POSTs a raw body with Slack's signature headers. */
  post(rawBody: string, contentType: string, options: SignOptions = {}): Promise<Response> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret ?? this.secret, timestamp, rawBody),
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    return fetch(this.endpoint, { method: 'POST', headers, body: rawBody });
  }
}
