/**
 * Inbound benchmark: `npm run bench:inbound [-- --messages 10000 --users 2000 --text /help]`.
 *
 * Customer messages through Hearth's whole path — real telegraf long polling → adapter → core
 * (dedupe, member, features) → PGlite (embedded) → outbox → worker → adapter.send → the fake Bot
 * API — against a bare telegraf echo bot on the same fake, in the same process and run:
 *  1. burst: all messages queued at once; throughput = messages / (last reply − first queued); the
 *     echo's is the median of three bursts (one before the full path's, two after);
 *  2. paced: one message per user at a steady rate (a quarter of the full path's burst rate);
 *     latency = reply reaching the fake − message queued, per message (p50/p95/p99).
 * Hearth's own send limits (30/s, 1/s per chat: Telegram's) are lifted so the software is
 * measured, not the platform's rules. Both bots use a keep-alive HTTP agent.
 * Prints human lines, then, last, one JSON line.
 */
import { Agent } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Telegraf } from 'telegraf';
import { TelegramAdapter } from '../adapters/telegram/index.ts';
import { TELEGRAM_CAPABILITIES } from '../adapters/telegram/module.ts';
import { loadConfig } from '../src/config.ts';
import type { EventSink } from '../src/core/adapter.ts';
import type { OutboundMessage } from '../src/core/outbound.ts';
import { InboundReceiver } from '../src/core/receiver.ts';
import { openDatabase } from '../src/db/database.ts';
import { Hearth } from '../src/hearth.ts';
import { createLogger } from '../src/logger.ts';
import { FakeTelegramApi } from '../test/fakes/telegram-api.ts';
import { createPostgresDatabase } from '../test/support/postgres.ts';
import { privateText } from '../test/telegram/updates.ts';

const HEARTH_TOKEN = '7100001:bench-hearth';
const ECHO_TOKEN = '7100002:bench-echo';
const ADAPTER_TOKEN = '7100003:bench-adapter-only';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}
const MESSAGES = Number(arg('messages', '10000'));
const USERS = Math.min(Number(arg('users', '2000')), MESSAGES);
const TEXT = arg('text', '/help');
const COUNT_QUERIES = process.argv.includes('--queries');
/** `--postgres <server url>`: run the full path on a fresh database on that server instead of PGlite. */
const POSTGRES = arg('postgres', '');
const TIMEOUT_MS = 600_000;

const userId = (i: number) => 500_000 + (i % USERS);

/** Per-message timings of the full path's stages, in ms. */
interface Stages {
  receive: number[]; // queued at the fake → adapter hands the event to the core
  handle: number[]; // core (dedupe, member, features, outbox) → the worker calls adapter.send
  send: number[]; // adapter.send (HTTP to the fake)
  settle: number[]; // core start → the event is done (its background metric fact stored)
}

class BenchAdapter extends TelegramAdapter {
  override readonly capabilities = {
    ...TELEGRAM_CAPABILITIES,
    rateLimits: [
      { scope: 'account', limit: 1_000_000, windowMs: 1000 },
      { scope: 'chat', limit: 1_000_000, windowMs: 1000 },
    ] as const,
  };
  readonly queuedAt = new Map<number, number>();
  readonly startedAt = new Map<string, number>();
  stages: Stages = { receive: [], handle: [], send: [], settle: [] };

  /** Times the core around `sink` (Hearth's dispatch): installed on the bot before Hearth starts. */
  timed(sink: EventSink): EventSink {
    return async (event, progress) => {
      const start = performance.now();
      const updateId = Number(event.id.split(':')[1]);
      const queued = this.queuedAt.get(updateId);
      if (queued !== undefined) this.stages.receive.push(start - queued);
      this.startedAt.set(event.id, start);
      const outcome = await sink(event, progress);
      this.stages.settle.push(performance.now() - start);
      return outcome;
    };
  }

  override async send(message: OutboundMessage) {
    const start = performance.now();
    const started = message.correlationId ? this.startedAt.get(message.correlationId) : undefined;
    if (started !== undefined) this.stages.handle.push(start - started);
    const result = await super.send(message);
    this.stages.send.push(performance.now() - start);
    return result;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const summary = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  p99: round(percentile(values, 99)),
});

/** sendMessage calls the fake answered for `token`, oldest first. */
function replies(fake: FakeTelegramApi, token: string, from = 0) {
  const out: { chatId: string; at: number }[] = [];
  for (let i = from; i < fake.calls.length; i++) {
    const call = fake.calls[i];
    if (call && call.token === token && call.method === 'sendMessage' && call.status === 200) {
      out.push({ chatId: String(call.body.chat_id), at: call.at });
    }
  }
  return out;
}

async function waitForReplies(fake: FakeTelegramApi, token: string, from: number, count: number) {
  let seen = 0;
  let scanned = from;
  await fake.waitFor(
    () => {
      seen += replies(fake, token, scanned).length;
      scanned = fake.calls.length;
      return seen >= count;
    },
    TIMEOUT_MS,
    `${count} replies for ${token}`,
  );
}

/** Burst: queue every message at once; returns messages per second. */
async function burst(fake: FakeTelegramApi, token: string, onQueued?: (id: number, at: number) => void) {
  fake.clearRecords(); // the fake's record of earlier phases' calls is not the measured bot's memory
  const from = fake.calls.length;
  const start = performance.now();
  const updates = Array.from({ length: MESSAGES }, (_, i) => privateText(userId(i), TEXT));
  const ids = fake.pushUpdate(token, ...updates);
  for (const id of ids) onQueued?.(id, start);
  await waitForReplies(fake, token, from, MESSAGES);
  const last = replies(fake, token, from).at(-1)?.at ?? performance.now();
  return MESSAGES / ((last - start) / 1000);
}

/** Paced: one message per user at `ratePerSec`; returns per-message latencies (ms). */
async function paced(
  fake: FakeTelegramApi,
  token: string,
  ratePerSec: number,
  onQueued?: (id: number, at: number) => void,
) {
  fake.clearRecords();
  const from = fake.calls.length;
  const queuedAt = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < USERS; i++) {
    const due = start + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const at = performance.now();
    const [id] = fake.pushUpdate(token, privateText(userId(i), TEXT));
    queuedAt.set(String(userId(i)), at);
    if (id !== undefined) onQueued?.(id, at);
  }
  await waitForReplies(fake, token, from, USERS);
  return replies(fake, token, from).map((r) => r.at - (queuedAt.get(r.chatId) ?? r.at));
}

async function main(): Promise<void> {
  const fake = await FakeTelegramApi.start({ now: () => performance.now() });
  const agent = new Agent({ keepAlive: true });

  // Bare telegraf echo bot: long polling, replies with the text. The reference.
  const echo = new Telegraf(ECHO_TOKEN, { telegram: { apiRoot: fake.url, webhookReply: false } });
  echo.telegram.options.agent = agent;
  echo.on('message', async (ctx) => {
    await ctx.reply('text' in ctx.message ? ctx.message.text : 'ok');
  });
  const echoRunning = echo.launch();

  // Hearth's adapter alone: normalize, then reply through adapter.send at once (no core, no DB).
  const adapterOnly = new TelegramAdapter({
    token: ADAPTER_TOKEN,
    apiRoot: fake.url,
    log: createLogger('warn'),
  });
  let sent = 0;
  const adapterOnlyLog = createLogger('warn');
  await adapterOnly.start({
    receiver: new InboundReceiver(
      async (event) => {
        await adapterOnly.send({
          id: `a${++sent}`,
          to: event.address,
          text: event.kind === 'message' ? event.text : 'ok',
        });
        return { handled: true, enqueued: 1 };
      },
      { platform: 'telegram', log: adapterOnlyLog },
    ),
    state: () => {
      throw new Error('bench: no adapter state');
    },
    asLeader: () => {
      throw new Error('bench: no singleton roles');
    },
    tellOwners: async () => {},
    log: adapterOnlyLog,
  });

  // Hearth: embedded PGlite, every feature, the real adapter.
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', CONSOLE_ENABLED: 'false' });
  const log = createLogger('warn');
  const postgres = POSTGRES
    ? await createPostgresDatabase(POSTGRES, `hearth_bench_${process.pid}`)
    : undefined;
  const database = postgres
    ? await openDatabase({ url: postgres.url, poolSize: 10 })
    : await openDatabase({ dataDir: 'memory://' });
  // --queries: count Prisma operations by model.operation (adds a little overhead).
  const queries = new Map<string, number>();
  if (COUNT_QUERIES) {
    database.prisma = database.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          const key = `${model ?? 'raw'}.${operation}`;
          queries.set(key, (queries.get(key) ?? 0) + 1);
          return query(args);
        },
      },
    }) as unknown as typeof database.prisma;
  }
  const adapter = new BenchAdapter({ token: HEARTH_TOKEN, apiRoot: fake.url, log });
  const hearth = new Hearth({ config, log, database, adapters: [adapter], http: false });
  hearth.bot.dispatch = adapter.timed(hearth.bot.dispatch.bind(hearth.bot));
  await hearth.start();
  const onQueued = (id: number, at: number) => adapter.queuedAt.set(id, at);

  console.log(`bench:inbound — ${MESSAGES} messages from ${USERS} users, text ${JSON.stringify(TEXT)}`);
  const echoWarm = await burst(fake, ECHO_TOKEN);
  // The reference is the median of three bursts, one before the full path's and two after it: one
  // burst takes about a second, and a noisy neighbour moves it by a third from run to run.
  const echoRuns = [await burst(fake, ECHO_TOKEN)];
  console.log(`bare telegraf echo: ${round(echoRuns[0] ?? 0, 0)} msg/s (warm-up ${round(echoWarm, 0)})`);
  await burst(fake, ADAPTER_TOKEN);
  const adapterOnlyPerSec = await burst(fake, ADAPTER_TOKEN);
  await adapterOnly.stop();
  console.log(`adapter only (no core, no DB): ${round(adapterOnlyPerSec, 0)} msg/s`);

  queries.clear();
  const fullPathPerSec = await burst(fake, HEARTH_TOKEN, onQueued);
  const perMessage = Object.fromEntries(
    [...queries].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / MESSAGES, 2)]),
  );
  if (COUNT_QUERIES) console.log('DB operations per message (burst):', perMessage);
  const burstHandle = summary(adapter.stages.handle);
  console.log(`full Hearth path:   ${round(fullPathPerSec, 0)} msg/s (first run: new members)`);
  echoRuns.push(await burst(fake, ECHO_TOKEN), await burst(fake, ECHO_TOKEN));
  const bareEchoPerSec = percentile(echoRuns, 50);
  console.log(
    `bare telegraf echo, median of ${echoRuns.map((r) => round(r, 0)).join(' / ')}: ${round(bareEchoPerSec, 0)} msg/s`,
  );
  const rate = Math.max(10, Math.round(fullPathPerSec / 4));
  adapter.stages = { receive: [], handle: [], send: [], settle: [] };
  const echoLatency = await paced(fake, ECHO_TOKEN, rate);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const fullLatency = await paced(fake, HEARTH_TOKEN, rate, onQueued);
  loopDelay.disable();
  const eventLoopDelayMs = {
    p50: round(loopDelay.percentile(50) / 1e6),
    p99: round(loopDelay.percentile(99) / 1e6),
    max: round(loopDelay.max / 1e6),
  };
  const ratio = fullPathPerSec / bareEchoPerSec;
  const full = summary(fullLatency);
  const bare = summary(echoLatency);
  console.log(`paced at ${rate} msg/s, ${USERS} messages (returning members):`);
  console.log(`  full path latency ms p50 ${full.p50}  p95 ${full.p95}  p99 ${full.p99}`);
  console.log(`  bare echo latency ms p50 ${bare.p50}  p95 ${bare.p95}  p99 ${bare.p99}`);
  const stages = Object.fromEntries(
    Object.entries(adapter.stages).map(([name, values]) => [name, summary(values)]),
  );
  console.log(
    `  event loop delay ms p50 ${eventLoopDelayMs.p50}  p99 ${eventLoopDelayMs.p99}  max ${eventLoopDelayMs.max}`,
  );
  console.log('  full path stages (ms, paced):');
  for (const [name, s] of Object.entries(stages)) {
    console.log(`    ${name.padEnd(9)} p50 ${s.p50}  p95 ${s.p95}  p99 ${s.p99}`);
  }
  console.log(`ratio full/bare ${round(ratio, 3)} (target ≥ 0.5); p99 ${full.p99} ms (target < 25)`);

  await hearth.stop();
  await postgres?.drop();
  echo.stop('bench done');
  await echoRunning;
  await fake.close();
  console.log(
    JSON.stringify({
      bench: 'inbound',
      messages: MESSAGES,
      users: USERS,
      text: TEXT,
      database: POSTGRES ? 'postgres' : 'pglite',
      fullPathPerSec: round(fullPathPerSec, 1),
      bareEchoPerSec: round(bareEchoPerSec, 1),
      bareEchoRunsPerSec: echoRuns.map((r) => round(r, 1)),
      ratio: round(ratio, 3),
      adapterOnlyPerSec: round(adapterOnlyPerSec, 1),
      pacedRatePerSec: rate,
      p50Ms: full.p50,
      p95Ms: full.p95,
      p99Ms: full.p99,
      bareEchoP99Ms: bare.p99,
      stagesMs: stages,
      burstHandleMs: burstHandle,
      eventLoopDelayMs,
      ...(COUNT_QUERIES ? { dbOperationsPerMessage: perMessage } : {}),
    }),
  );
}

main().catch((error: unknown) => {
  console.error('bench:inbound failed:', error);
  process.exit(1);
});
