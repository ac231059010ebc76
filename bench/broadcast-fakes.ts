/**
 * The benchmark's fake platforms, in a process of their own (so their bookkeeping does not count in
 * Hearth's memory): the fake Telegram Bot API (driven by the real telegraf adapter) and a generic
 * JSON send endpoint standing in for a second platform. Both on 127.0.0.1, both rate limited
 * (sliding one-second window, 429 with Retry-After when exceeded). Talks to the parent over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FakeTelegramApi } from '../test/fakes/telegram-api.ts';

const rate = Number(process.env.BENCH_RATE ?? 2000);
const text = process.env.BENCH_TEXT ?? '';

/** Per-chat counts of the benchmark's message, first and last acceptance times. */
class Tally {
  readonly perChat = new Map<string, number>();
  first = 0;
  last = 0;
  /** Messages accepted in each second since the first. */
  readonly perSecond: number[] = [];
  /** Counts one accepted message to `chatId`, accepted at `now` (epoch ms). */
  add(chatId: string, now = Date.now()): void {
    if (this.first === 0) this.first = now;
    const second = Math.floor((now - this.first) / 1000);
    this.perSecond[second] = (this.perSecond[second] ?? 0) + 1;
    this.last = now;
    this.perChat.set(chatId, (this.perChat.get(chatId) ?? 0) + 1);
  }
  summary() {
    let duplicates = 0;
    for (const n of this.perChat.values()) duplicates += n - 1;
    return {
      distinct: this.perChat.size,
      duplicates,
      first: this.first,
      last: this.last,
      perSecond: [...this.perSecond].map((n) => n ?? 0),
    };
  }
}

async function genericPlatform(tally: Tally) {
  const times: number[] = [];
  let rateLimited = 0;
  let nextId = 1;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      while (times.length > 0 && (times[0] ?? 0) <= now - 1000) times.shift();
      if (times.length >= rate) {
        // Like Discord: the exact wait in (fractional) seconds until a slot frees up.
        const retryAfter = Math.max(0.001, ((times[0] ?? now) + 1000 - now) / 1000);
        rateLimited += 1;
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(Math.ceil(retryAfter)),
        });
        res.end(JSON.stringify({ message: 'rate limited', retry_after: retryAfter, global: true }));
        return;
      }
      times.push(now);
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { chatId?: string; text?: string };
      if (body.text === text) tally.add(String(body.chatId));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: String(nextId++) }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, rateLimited: () => rateLimited, close: () => server.close() };
}

async function main(): Promise<void> {
  const telegram = await FakeTelegramApi.start();
  telegram.setRateLimit({ perSecond: rate, retryAfterSeconds: 1 });
  const telegramTally = new Tally();
  let counted = 0;
  /** Folds the fake's records into the tally, at the time each call came in, and forgets them. */
  const drain = () => {
    for (const call of telegram.calls) {
      if (call.method !== 'sendMessage' || call.status !== 200 || call.body.text !== text) continue;
      telegramTally.add(String(call.body.chat_id), call.at);
    }
    counted += telegram.sent().length;
    telegram.clearRecords();
  };
  const timer = setInterval(drain, 200);
  const genericTally = new Tally();
  const generic = await genericPlatform(genericTally);
  process.send?.({ type: 'ready', telegramUrl: telegram.url, genericUrl: generic.url });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') {
      drain();
      process.send?.({
        type: 'stats',
        telegram: { ...telegramTally.summary(), rateLimited: telegram.stats().rateLimited, calls: counted },
        generic: { ...genericTally.summary(), rateLimited: generic.rateLimited() },
      });
    }
    if (message.type === 'stop') {
      clearInterval(timer);
      generic.close();
      void telegram.close().then(() => process.exit(0));
    }
  });
}

void main();
