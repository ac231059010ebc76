import { setTimeout as sleep } from 'node:timers/promises';
import { Prisma } from '../prisma/generated/client.ts';
import { openDatabase } from '../src/db/database.ts';
import { IN_DOUBT } from '../src/delivery/departures.ts';
import { ChildHearth } from '../test/broadcasts/child-hearth.ts';
import { FakeTelegramApi } from '../test/fakes/telegram-api.ts';
import { createPostgresDatabase } from '../test/support/postgres.ts';
import { privateText } from '../test/telegram/updates.ts';
import { seedSubscribers } from './broadcast-seed.ts';
import { traceReport } from './scale-trace-report.ts';

export interface ScaleOptions {
  instances: number;
  recipients: number;
  /** The platform's limit (sends per second); Hearth is told the same (SEND_RATE_LIMITS). */
  rate: number;
  serverUrl: string;
  /** What node runs for each instance. */
  entry: string[];
  leaderLeaseMs: number;
  /** A folder: each process records its Bot API requests there (bench/scale-trace.mjs), explained after. */
  traceDir?: string;
  log(line: string): void;
}

export interface ScaleResult {
  instances: number;
  recipients: number;
  delivered: number;
  duplicates: number;
  lost: number;
  peakRatePerLimit: number;
  limit429s: number;
  takeoverSeconds: number;
  inboundAnsweredOnce: boolean;
  /** Customers who wrote in, how many got exactly one answer, none, more than one. */
  inbound: number;
  answeredOnce: number;
  unanswered: number;
  answeredTwice: number;
  seconds: number;
}

const TOKEN = '8181:scale';
const TOPIC = 'news';
const RECIPIENT_BASE = 8_000_000;
const CUSTOMER_BASE = 7_000_000;
const POLLING_ROLE = 'telegram:polling';

/**
 * Runs the scenario: N instances on one fresh PostgreSQL database, a broadcast to `recipients`,
 * customers writing in meanwhile, the polling leader and another instance killed (SIGKILL) once a
 * third is delivered and restarted a few seconds later; then waits for everything to arrive.
 */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const { log, rate } = options;
  const server = await createPostgresDatabase(options.serverUrl);
  const fake = await FakeTelegramApi.start();
  const instances: (ChildHearth | undefined)[] = [];
  const text = `Scale test ${Date.now()}`;
  try {
    const database = await openDatabase({ url: server.url, poolSize: 2 });
    await database.migrate();
    await seedSubscribers(database.prisma, {
      count: options.recipients,
      topic: TOPIC,
      platforms: ['telegram'],
      chatIdBase: RECIPIENT_BASE,
    });
    await database.close();
    fake.setRateLimit({ perSecond: rate, retryAfterSeconds: 1 });
    const env = {
      DATABASE_URL: server.url,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.url,
      SEND_RATE_LIMITS: `telegram=${rate}`,
      LEADER_LEASE_MS: String(options.leaderLeaseMs),
      OUTBOX_LEASE_MS: '15000',
      LOG_LEVEL: 'warn',
      ...(options.traceDir ? { SCALE_TRACE_DIR: options.traceDir } : {}),
    };
    const entry = options.traceDir
      ? ['--import', new URL('../../bench/scale-trace.mjs', import.meta.url).pathname, ...options.entry]
      : options.entry;
    const start = () => ChildHearth.start(env, entry);
    // Opened now, not once the instances were killed: making a Prisma client is a stretch of
    // synchronous work in this process, which also runs the fake, and a stalled fake sees the
    // requests that waited on its socket arrive together (429s of its own making).
    const watch = await openDatabase({ url: server.url, poolSize: 1 });
    for (let i = 0; i < options.instances; i++) instances.push(await start());
    log(`${options.instances} instances up on one PostgreSQL; ${options.recipients} subscribers`);
    const began = Date.now();
    await (instances[0] as ChildHearth).owner(`announce --now ${TOPIC} ${text}`);

    // Customers write in all along: one new customer every 100 ms asks for /help.
    let customers = 0;
    let writing = true;
    const writers = (async () => {
      while (writing) {
        fake.pushUpdate(TOKEN, privateText(CUSTOMER_BASE + customers, '/help'));
        customers++;
        await sleep(100);
      }
    })();

    const delivered = () => countBroadcast(fake, text).size;
    await until(() => delivered() >= options.recipients / 3, 'a third delivered', 30 * 60_000);
    const leaderIndex = await findLeader(instances);
    const otherIndex = (leaderIndex + 1) % instances.length;
    const killedAt = Date.now();
    const killedPids = [instances[leaderIndex]?.pid, instances[otherIndex]?.pid];
    await instances[leaderIndex]?.kill();
    await instances[otherIndex]?.kill();
    log(`killed the leader (instance ${leaderIndex + 1}) and instance ${otherIndex + 1} with SIGKILL`);
    // Any live instance may take the role over: a survivor, or one of the restarted two.
    const takeover = (async () => {
      await until(async () => (await findLeaderAmong(instances)) !== undefined, 'a new leader', 120_000);
      return (Date.now() - killedAt) / 1000;
    })();
    await sleep(3_000);
    instances[leaderIndex] = await start();
    instances[otherIndex] = await start();
    const takeoverSeconds = await takeover;
    log(`takeover after ${takeoverSeconds.toFixed(1)} s; the killed instances restarted`);

    // Until every recipient has it, or nothing is left to send (a row in doubt the platform never got).
    // Nothing left to send, and no customer's message left unhandled: one recorded by a killed
    // process is handled again by the inbound recovery (every minute, once a minute old).
    const settled = async () =>
      (await watch.prisma.outbox.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0 &&
      (await watch.prisma.processedEvent.count({
        where: { handledAt: null, event: { not: Prisma.DbNull } },
      })) === 0;
    await until(
      async () => delivered() >= options.recipients || (await settled()),
      'every recipient',
      30 * 60_000,
    ).catch(() => {});
    writing = false;
    await writers;
    const asked = customers;
    let quiet = 0; // settled checks in a row: the last questions may still be on their way in
    const quietLong = async () => {
      quiet = (await settled()) ? quiet + 1 : 0;
      return quiet >= 15;
    };
    await until(
      async () => answeredOnce(fake, asked) === asked || (await quietLong()),
      'every customer answered',
      240_000,
    ).catch(() => {});
    await watch.close();
    await sleep(2_000); // a late duplicate would show now
    const seconds = (Date.now() - began) / 1000;
    const perChat = countBroadcast(fake, text);
    let duplicates = 0;
    for (const n of perChat.values()) duplicates += n - 1;
    const once = answeredOnce(fake, asked);
    const refusals = fake.rateLimitedAt.map((t) => Math.round((t - killedAt) / 100) / 10);
    if (refusals.length > 0) log(`429s at seconds from the kill: ${refusals.join(' ')}`);
    const duplicated = [...perChat].filter(([, n]) => n > 1).map(([chat]) => chat);
    log(`killed processes: ${killedPids.join(', ')}`);
    const doubted = await reportInDoubt(server.url, (chat) => fake.sent(chat).length > 0, log);
    if (options.traceDir) {
      const twice = answersOf(fake, asked).flatMap((n, i) => (n > 1 ? [String(CUSTOMER_BASE + i)] : []));
      const explain = [...duplicated, ...twice, ...doubted];
      for (const line of traceReport(options.traceDir, fake.calls, killedAt, explain)) log(line);
    }
    if (duplicates > 0) await explainDuplicates(server.url, fake, perChat, text, log);
    return {
      instances: options.instances,
      recipients: options.recipients,
      delivered: perChat.size,
      duplicates,
      lost: options.recipients - perChat.size,
      peakRatePerLimit: Math.round((peakPerSecond(fake) / rate) * 1000) / 1000,
      limit429s: fake.stats().rateLimited,
      takeoverSeconds: Math.round(takeoverSeconds * 10) / 10,
      inboundAnsweredOnce: once === asked,
      inbound: asked,
      answeredOnce: once,
      unanswered: answersOf(fake, asked).filter((n) => n === 0).length,
      answeredTwice: answersOf(fake, asked).filter((n) => n > 1).length,
      seconds: Math.round(seconds),
    };
  } finally {
    await Promise.all(instances.map((child) => child?.stop().catch(() => child.kill())));
    await fake.close();
    await server.drop();
  }
}

/** The broadcast's messages per recipient chat. */
function countBroadcast(fake: FakeTelegramApi, text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of fake.sent()) if (m.text === text) counts.set(m.chatId, (counts.get(m.chatId) ?? 0) + 1);
  return counts;
}

/**
 * How many answers each of the first `asked` customers got: one pass over what the fake received
 * (checked five times a second, a pass per customer would be quadratic and starve the fake).
 */
function answersOf(fake: FakeTelegramApi, asked: number): number[] {
  const counts = new Map<string, number>();
  for (const m of fake.sent()) counts.set(m.chatId, (counts.get(m.chatId) ?? 0) + 1);
  return Array.from({ length: asked }, (_, i) => counts.get(String(CUSTOMER_BASE + i)) ?? 0);
}

/** Customers (the first `asked`) who got exactly one answer to their /help. */
function answeredOnce(fake: FakeTelegramApi, asked: number): number {
  return answersOf(fake, asked).filter((n) => n === 1).length;
}

/** The most sends the fake accepted in any one-second window (sliding). */
function peakPerSecond(fake: FakeTelegramApi): number {
  const times = fake.calls
    .filter((c) => c.status === 200 && (c.method === 'sendMessage' || c.method === 'editMessageText'))
    .map((c) => c.at)
    .sort((a, b) => a - b);
  let peak = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) >= 1000) from++;
    peak = Math.max(peak, to - from + 1);
  }
  return peak;
}

async function findLeaderAmong(instances: (ChildHearth | undefined)[]): Promise<ChildHearth | undefined> {
  for (const child of instances) {
    if ((await child?.health())?.roles.includes(POLLING_ROLE)) return child;
  }
  return undefined;
}

async function findLeader(instances: (ChildHearth | undefined)[]): Promise<number> {
  const leader = await until(() => findLeaderAmong(instances), 'the polling leader', 60_000);
  return instances.indexOf(leader);
}

async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`bench:scale: no ${what} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** Rows recorded in doubt (their process died during the request), and whether the platform had them. */
async function reportInDoubt(
  url: string,
  received: (chat: string) => boolean,
  log: (line: string) => void,
): Promise<string[]> {
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    const rows = await database.prisma.outbox.findMany({
      where: { lastError: IN_DOUBT },
      select: { id: true, chatId: true },
    });
    const had = rows.filter((r) => received(r.chatId)).length;
    log(
      `in doubt (recorded as sent, not sent again): ${rows.length} rows; the platform had ${had} of them${rows.length > 0 ? ` (${rows.map((r) => `${r.id}→${r.chatId}`).join(', ')})` : ''}`,
    );
    return rows.map((r) => r.chatId);
  } finally {
    await database.close();
  }
}

/** For a few duplicated recipients: when the fake got each copy, and what the outbox says of the row. */
async function explainDuplicates(
  url: string,
  fake: FakeTelegramApi,
  perChat: Map<string, number>,
  text: string,
  log: (line: string) => void,
): Promise<void> {
  const database = await openDatabase({ url, poolSize: 1 });
  try {
    const chats = [...perChat]
      .filter(([, n]) => n > 1)
      .slice(0, 5)
      .map(([chat]) => chat);
    for (const chat of chats) {
      const times = fake.calls
        .filter(
          (c) =>
            c.status === 200 &&
            c.method === 'sendMessage' &&
            String(c.body.chat_id) === chat &&
            c.body.text === text,
        )
        .map((c) => c.at);
      const rows = await database.prisma.outbox.findMany({
        where: { chatId: chat, broadcastId: { not: null } },
        select: { id: true, attempts: true, status: true, lastError: true, sentAt: true, lockedBy: true },
      });
      log(
        `duplicate to ${chat}: sent at ${times.join(', ')}; rows ${JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    }
  } finally {
    await database.close();
  }
}
