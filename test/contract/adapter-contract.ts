import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchOutcome, PlatformAdapter } from '../../src/core/adapter.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { ChatAddress, InboundEvent } from '../../src/core/events.ts';
import type { Button } from '../../src/core/outbound.ts';
import { adapterContext } from '../support/adapter-context.ts';

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
}

const DISPATCHED: DispatchOutcome = { handled: true, enqueued: 0 };

/** The behaviour every platform adapter must have. */
export function adapterContract(
  name: string,
  createHarness: () => Promise<ContractHarness>,
  /** Platforms with a remote side must show how they map its failures (the console has none). */
  options: { failures: boolean } = { failures: true },
): void {
  describe(`adapter contract: ${name}`, () => {
    let harness: ContractHarness;
    const received: InboundEvent[] = [];

    async function nextEvent(predicate: (e: InboundEvent) => boolean): Promise<InboundEvent> {
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const found = received.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(
        `no matching event within 5 s; received: ${JSON.stringify(received.map((e) => e.kind))}`,
      );
    }

    beforeAll(async () => {
      harness = await createHarness();
      await harness.adapter.start(
        adapterContext(async (event) => {
          received.push(event);
          return DISPATCHED;
        }),
      );
    });
    afterAll(async () => {
      await harness?.adapter.stop();
      await harness?.close();
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

    if (!options.failures) return;
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
  });
}
