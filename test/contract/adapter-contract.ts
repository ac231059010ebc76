import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterContext, DispatchOutcome, EventSink, PlatformAdapter } from '../../src/core/adapter.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { ChatAddress, InboundEvent } from '../../src/core/events.ts';
import type { Button } from '../../src/core/outbound.ts';

import type { Database } from '../../src/db/database.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { TEST_DATABASES, type TestDatabaseKind } from '../support/databases.ts';
import { drainContract, seamContract } from './seam-contract.ts';

/** What the fake platform recorded as delivered into a chat. */
export interface DeliveredMessage {
  text: string;
  /** Labels of buttons shown under the message, if any. */
  buttonLabels?: string[];
}

/**
 * How the contract suite drives one adapter: a fake platform behind a real SDK. Every adapter's
 * test file builds one of these and calls `adapterContract`.
 */
export interface ContractHarness {
  adapter: PlatformAdapter;
  /** The address the adapter sends to for a direct chat with `userId`. */
  directChat(userId: string): ChatAddress;
  /** The platform's id for the test user `userId`, when the platform has its own id format (numeric ids). */
  platformUserId?(userId: string): string;
  /** Make the platform deliver a direct text message from `userId` to the bot. */
  userSays(userId: string, text: string): Promise<void>;
  /** What the platform received in a chat, oldest first. */
  delivered(address: ChatAddress): Promise<DeliveredMessage[]>;
  /** Make the platform's next send fail. Omit for platforms with no remote side (the console). */
  failNextSend?(
    failure:
      | { kind: 'rate-limited'; retryAfterSeconds: number }
      | { kind: 'recipient-gone' }
      | { kind: 'server-error' },
  ): void;
  close(): Promise<void>;
  /**
   * The transport refuses an event the core cannot record (an HTTP error the sender sees and can
   * retry, as a webhook answers 500) instead of retrying it itself.
   */
  refusesUnrecorded?: boolean;
  /** Another instance of the adapter against the same fake, not started (another process's). */
  createAdapter?(): PlatformAdapter;
  /** Adapters that declare `replyHandles`: how the fake gives and takes them. */
  replyHandles?: ReplyHandleHarness;
}

/** How a fake platform hands out reply handles and shows what was sent through them. */
export interface ReplyHandleHarness {
  /** Makes the platform deliver an event from `userId` that carries a reply handle. */
  trigger(userId: string): Promise<void>;
  /** Makes the next normal send fail, for platforms that use a handle only when they must. */
  blockNextNormalSend(): void;
  /** Texts sent through reply handles so far. */
  deliveredViaHandle(): string[];
}

const DISPATCHED: DispatchOutcome = { handled: true, enqueued: 0 };

/**
 * The core as the contract's adapter sees it: every event is kept in `received`; `behaviour` (swapped
 * by a test) decides how the core takes it (slowly, failing to record it for a while, ...).
 */
export interface ContractCore {
  received: InboundEvent[];
  behaviour: EventSink | undefined;
  nextEvent(predicate: (e: InboundEvent) => boolean, timeoutMs?: number): Promise<InboundEvent>;
}

/** What a contract part gets: the running harness, the core behind it, the database its state uses. */
export interface ContractRun {
  harness: ContractHarness;
  core: ContractCore;
  context: AdapterContext;
  database: Database;
}

/** Events in hand before the receiver holds a pulling transport back (small, to show back-pressure). */
export const CONTRACT_MAX_IN_FLIGHT = 3;

/** The behaviour every platform adapter must have. */
export function adapterContract(
  name: string,
  createHarness: () => Promise<ContractHarness>,
  options: {
    /** Platforms with a remote side must show how they map its failures (the console has none). */
    failures: boolean;
    /** Receiving pulls from the platform (long polling): a full receiver stops the fetching. */
    pulls?: boolean;
  } = { failures: true },
): void {
  describe(`adapter contract: ${name}`, () => {
    let harness: ContractHarness;
    const received: InboundEvent[] = [];
    const core: ContractCore = {
      received,
      behaviour: undefined,
      async nextEvent(predicate, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const found = received.find(predicate);
          if (found) return found;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error(
          `no matching event within ${timeoutMs} ms; received: ${JSON.stringify(received.map((e) => e.kind))}`,
        );
      },
    };
    const nextEvent = (predicate: (e: InboundEvent) => boolean) => core.nextEvent(predicate);
    const run = {} as ContractRun;

    beforeAll(async () => {
      harness = await createHarness();
      const database = await (TEST_DATABASES[0] as TestDatabaseKind).open();
      const context = adapterContext(
        async (event, progress) => {
          const behaviour = core.behaviour;
          const outcome = behaviour ? await behaviour(event, progress) : DISPATCHED;
          received.push(event);
          return outcome;
        },
        { db: database.prisma, platform: harness.adapter.platform, maxInFlight: CONTRACT_MAX_IN_FLIGHT },
      );
      Object.assign(run, { harness, core, context, database });
      await harness.adapter.start(context);
    });
    afterAll(async () => {
      await harness?.adapter.stop();
      await harness?.close();
      await run.database?.close();
    });

    it('declares usable capabilities', () => {
      const caps = harness.adapter.capabilities;
      expect(caps.maxTextLength).toBeGreaterThan(0);
      expect(caps.rateLimits.filter((w) => w.scope === 'account').length).toBeGreaterThan(0);
    });

    it('normalizes a direct text message', async () => {
      await harness.userSays('contract-user-1', 'hello there');
      const userId = harness.platformUserId?.('contract-user-1') ?? 'contract-user-1';
      const event = await nextEvent((e) => e.kind === 'message' && e.sender.userId === userId);
      expect(event).toMatchObject({
        kind: 'message',
        text: 'hello there',
        isDirect: true,
        address: { platform: harness.adapter.platform },
        sender: { userId, isBot: false },
      });
      expect(event.id).toBeTruthy();
      expect(event.at).toBeInstanceOf(Date);
    });

    it('normalizes a command with its arguments', async () => {
      await harness.userSays('contract-user-2', '/subscribe News');
      const userId = harness.platformUserId?.('contract-user-2') ?? 'contract-user-2';
      const event = await nextEvent((e) => e.kind === 'command' && e.sender.userId === userId);
      expect(event).toMatchObject({ kind: 'command', name: 'subscribe', args: 'News' });
    });

    it('sends text to a direct chat and returns the platform message id', async () => {
      const to = harness.directChat('contract-user-3');
      const result = await harness.adapter.send({ id: 'c-1', to, text: 'Hi <b>&amp; "quotes"_*[x]' });
      expect(result.messageId).toBeTruthy();
      expect((await harness.delivered(to)).map((m) => m.text)).toContain('Hi <b>&amp; "quotes"_*[x]');
    });

    it('splits a text longer than the platform allows, losing nothing', async () => {
      const to = harness.directChat('contract-user-4');
      const limit = harness.adapter.capabilities.maxTextLength;
      const words = Array.from({ length: Math.ceil((limit * 2.5) / 6) }, (_, i) =>
        `w${i % 10000}`.padEnd(5, 'x'),
      );
      const text = words.join(' ');
      await harness.adapter.send({ id: 'c-2', to, text });
      const parts = (await harness.delivered(to)).map((m) => m.text);
      expect(parts.length).toBeGreaterThanOrEqual(3);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
      expect(parts.join(' ').split(/\s+/)).toEqual(words);
    });

    it('shows buttons where the platform has them, else keeps the text', async () => {
      const to = harness.directChat('contract-user-5');
      const buttons: Button[][] = [
        [
          { actionId: 'feedback', label: 'Yes', value: 'up' },
          { actionId: 'feedback', label: 'No', value: 'down' },
        ],
      ];
      await harness.adapter.send({ id: 'c-3', to, text: 'Did this help?', buttons });
      const [message] = await harness.delivered(to);
      expect(message?.text).toContain('Did this help?');
      if (harness.adapter.capabilities.buttons) expect(message?.buttonLabels).toEqual(['Yes', 'No']);
    });

    seamContract(run, { pulls: options.pulls ?? false });

    if (options.failures) {
      const failNextSend: NonNullable<ContractHarness['failNextSend']> = (failure) => {
        if (!harness.failNextSend) throw new Error(`${name}: the harness must implement failNextSend`);
        harness.failNextSend(failure);
      };

      it('maps a 429 to RateLimitedError with the platform retry time', async () => {
        failNextSend({ kind: 'rate-limited', retryAfterSeconds: 7 });
        const error = await harness.adapter
          .send({ id: 'c-4', to: harness.directChat('u6'), text: 'x' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RateLimitedError);
        expect((error as RateLimitedError).retryAfterMs).toBe(7000);
      });

      it('maps a recipient who blocked the bot to a PermanentError with recipientGone', async () => {
        failNextSend({ kind: 'recipient-gone' });
        const error = await harness.adapter
          .send({ id: 'c-5', to: harness.directChat('u7'), text: 'x' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PermanentError);
        expect((error as PermanentError).recipientGone).toBe(true);
      });

      it('maps a server error to a TransientError', async () => {
        failNextSend({ kind: 'server-error' });
        const error = await harness.adapter
          .send({ id: 'c-6', to: harness.directChat('u8'), text: 'x' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientError);
      });
    }

    drainContract(run);
  });
}
