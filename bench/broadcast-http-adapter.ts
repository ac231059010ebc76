import { Agent, request } from 'node:http';
import type { Capabilities, PlatformAdapter } from '../src/core/adapter.ts';
import { PermanentError, RateLimitedError, TransientError } from '../src/core/errors.ts';
import type { Platform } from '../src/core/events.ts';
import type { OutboundMessage, SendResult } from '../src/core/outbound.ts';

/**
 * A minimal send-only adapter for the benchmark's generic fake platform (POST {chatId, text} as
 * JSON over a keep-alive node:http agent, as a real SDK's REST client would; global fetch costs
 * several times the CPU per request). It stands in for a second platform: the real Discord adapter
 * (discord.js) is not driven here, so bench:broadcast's figures are those of Hearth's send path with
 * telegraf plus this client, not of discord.js. Errors map as adapters must: 429 → RateLimitedError
 * (global, Retry-After), 4xx → permanent, 5xx → transient.
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
    rateLimits: [
      { scope: 'account', limit: 50, windowMs: 1000 },
      { scope: 'chat', limit: 5, windowMs: 1000 },
    ],
  };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly endpoint: URL;

  constructor(
    readonly platform: Platform,
    url: string,
  ) {
    this.endpoint = new URL('/send', url);
  }

  async start(): Promise<void> {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const { status, body, retryAfterHeader } = await this.post(
      JSON.stringify({ chatId: message.to.chatId, text: message.text }),
    );
    if (status === 429) {
      // The body's fractional seconds are exact (Discord style); the header is rounded up.
      const seconds = Number(body.retry_after ?? retryAfterHeader ?? 1);
      throw new RateLimitedError(seconds * 1000, 'bench platform: 429', 'global');
    }
    if (status >= 500) throw new TransientError(`bench platform: ${status}`);
    if (status >= 400) throw new PermanentError(`bench platform: ${status}`);
    return { messageId: body.id ?? '' };
  }

  private post(
    payload: string,
  ): Promise<{ status: number; body: { id?: string; retry_after?: number }; retryAfterHeader?: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.endpoint,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            let body: { id?: string; retry_after?: number } = {};
            try {
              body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
            } catch {}
            const header = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              body,
              ...(typeof header === 'string' ? { retryAfterHeader: header } : {}),
            });
          });
        },
      );
      req.on('error', (error) => reject(new TransientError(`bench platform: ${error.message}`)));
      req.end(payload);
    });
  }

  async stop(): Promise<void> {
    this.agent.destroy();
  }
}
