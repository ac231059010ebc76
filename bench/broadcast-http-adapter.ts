import type { Capabilities, EventSink, PlatformAdapter } from '../src/core/adapter.ts';
import { PermanentError, RateLimitedError, TransientError } from '../src/core/errors.ts';
import type { Platform } from '../src/core/events.ts';
import type { OutboundMessage, SendResult } from '../src/core/outbound.ts';

/**
 * A minimal send-only adapter for the benchmark's generic fake platform (POST {chatId, text} as
 * JSON). It stands in for a second platform until that platform's real adapter exists; errors map
 * as adapters must: 429 → RateLimitedError (global, Retry-After), 4xx → permanent, 5xx → transient.
 */
export class BenchHttpAdapter implements PlatformAdapter {
  readonly capabilities: Capabilities = {
    buttons: false,
    nativePolls: false,
    threads: false,
    editMessages: false,
    files: false,
    blocks: false,
    maxTextLength: 2000,
    maxMessagesPerSecond: 50,
    maxMessagesPerSecondPerChat: 5,
  };

  constructor(
    readonly platform: Platform,
    private readonly url: string,
  ) {}

  async start(_sink: EventSink): Promise<void> {}

  async send(message: OutboundMessage): Promise<SendResult> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chatId: message.to.chatId, text: message.text }),
      });
    } catch (error) {
      throw new TransientError(`bench platform: ${(error as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { id?: string; retry_after?: number };
    if (res.status === 429) {
      // The body's fractional seconds are exact (Discord style); the header is rounded up.
      const seconds = Number(body.retry_after ?? res.headers.get('retry-after') ?? 1);
      throw new RateLimitedError(seconds * 1000, 'bench platform: 429', 'global');
    }
    if (res.status >= 500) throw new TransientError(`bench platform: ${res.status}`);
    if (res.status >= 400) throw new PermanentError(`bench platform: ${res.status}`);
    return { messageId: body.id ?? '' };
  }

  async stop(): Promise<void> {}
}
