/**
 * The X adapter alone (webhook mode) on a test context, with X's signed webhook POSTs: for tests
 * that look at what the adapter hands the core, counts and sends, without a whole Hearth.
 */
import { createHmac } from 'node:crypto';
import type { XAdapter } from '../../adapters/x/index.ts';
import type { AdapterContext } from '../../src/core/adapter.ts';
import type { AdapterState } from '../../src/core/adapter-state.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { OutboundMessage } from '../../src/core/outbound.ts';
import type { EventSink } from '../../src/core/sink.ts';
import { HttpServer } from '../../src/http/server.ts';
import { type FakeXApi, snowflakeAt } from '../fakes/x-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';
import { createXAdapter, X_FAST_SENDS, X_TEST_ENV } from './harness.ts';

export const X_HOOK_URL = 'https://shop.example/x/webhook';

/** X's webhook signature of `body`, computed here independently of the adapter. */
export const xSign = (body: string) =>
  `sha256=${createHmac('sha256', X_TEST_ENV.X_APP_SECRET).update(body).digest('base64')}`;

/** Posts `body` to a webhook URL, signed as X signs. */
export const postSigned = (url: string, body: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': xSign(body) },
    body,
  });

/** An Account Activity delivery of one DM for the account `forUserId`, as X posts it. */
export function dmDelivery(
  forUserId: string,
  senderId: string,
  recipientId: string,
  text: string,
  options: { id?: string; createdMs?: number } = {},
): string {
  const createdMs = options.createdMs ?? Date.now();
  const id = options.id ?? String(snowflakeAt(createdMs) + BigInt(Math.floor(Math.random() * 4_000_000)));
  return JSON.stringify({
    for_user_id: forUserId,
    direct_message_events: [
      {
        type: 'message_create',
        id,
        created_timestamp: String(createdMs),
        message_create: {
          target: { recipient_id: recipientId },
          sender_id: senderId,
          message_data: { text },
        },
      },
    ],
    users: { [senderId]: { id: senderId, name: 'Someone', screen_name: 'someone' } },
  });
}

/** A sink that records every event it is handed (as the core would, minus dedupe). */
export function recordingSink(): { sink: EventSink; events: InboundEvent[] } {
  const events: InboundEvent[] = [];
  return {
    events,
    sink: async (event, progress) => {
      events.push(event);
      progress?.recorded();
      return { handled: true, enqueued: 0 };
    },
  };
}

/** An outbound DM to the X user `to`. */
export function xMessage(id: string, to: string, text: string, extra: Partial<OutboundMessage> = {}) {
  return { id, to: { platform: 'x' as const, chatId: to }, text, ...extra };
}

export interface StartedXAdapter {
  adapter: XAdapter;
  log: CapturingLogger;
  /** What the adapter handed the core. */
  events: InboundEvent[];
  /** What it counted with countUsage. */
  usage: { inbound: number; outbound: number };
  /** What it told the owners. */
  ownerNotes: string[];
  /** Its webhook on 127.0.0.1. */
  url: string;
  stop(): Promise<void>;
}

/** The real adapter in webhook mode, started on a test context (`state`: shared by instances). */
export async function startXAdapter(fake: FakeXApi, state?: AdapterState): Promise<StartedXAdapter> {
  const log = new CapturingLogger();
  const adapter = await createXAdapter(fake, { ...X_FAST_SENDS, X_WEBHOOK_URL: X_HOOK_URL }, log);
  const { sink, events } = recordingSink();
  const usage = { inbound: 0, outbound: 0 };
  const ownerNotes: string[] = [];
  const base = adapterContext(sink, {
    platform: 'x',
    log,
    tellOwners: async (text) => {
      ownerNotes.push(text);
    },
  });
  const context: AdapterContext = {
    ...base,
    ...(state ? { state: () => state } : {}),
    countUsage: (counted) => {
      usage.inbound += counted.inbound ?? 0;
      usage.outbound += counted.outbound ?? 0;
    },
  };
  const http = new HttpServer(log);
  adapter.mount(http);
  const port = await http.listen(0, '127.0.0.1');
  await adapter.start(context);
  return {
    adapter,
    log,
    events,
    usage,
    ownerNotes,
    url: `http://127.0.0.1:${port}/x/webhook`,
    async stop() {
      await adapter.stop();
      await http.close();
    },
  };
}
