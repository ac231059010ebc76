/**
 * bench:broadcast — one broadcast to N subscribers (default 100,000) spread over two platforms,
 * each a fake server on 127.0.0.1 with a rate limit (default 2,000 msg/s; 429 + Retry-After beyond
 * it), Hearth's limiter configured to the same rate (SEND_RATE_LIMITS). Telegram goes through the
 * real telegraf adapter; the second platform ("discord") through a minimal JSON adapter.
 *
 *   npm run bench:broadcast                       embedded PGlite (a temporary data folder)
 *   npm run bench:broadcast -- --db postgres      TEST_DATABASE_URL (a fresh database on that server)
 *   options: --recipients N  --rate MSG_PER_S  --outbox-batch N (OUTBOX_BATCH_SIZE, default 500)
 *            --shared-buffers 128MB (PGLITE_SHARED_BUFFERS; default Hearth's, 16MB)
 *            --breakdown (where the resident memory is, by kind, at each new peak)
 *            --features all (every feature, as `npm start` runs; default: subscriptions + broadcasts,
 *            so the memory figure is the broadcast path's, not the FAQ matcher's dictionaries)
 *
 * The schema and the subscribers are made by a child process first (bench/broadcast-prepare.ts), so
 * peakRssMb is this process's: Hearth opening the database and running the broadcast (plus this
 * script's small bookkeeping; the fake platforms run in another child).
 * Prints human lines, then one JSON line.
 */
import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsoleAdapters } from '../adapters/console/index.ts';
import { TelegramAdapter } from '../adapters/telegram/index.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { type BroadcastsFeature, broadcastsFeature } from '../src/features/broadcasts/index.ts';
import { fallbackFeature } from '../src/features/fallback.ts';
import { subscriptionsFeature } from '../src/features/subscriptions/index.ts';
import { Hearth } from '../src/hearth.ts';
import { createLogger } from '../src/logger.ts';
import { BenchHttpAdapter } from './broadcast-http-adapter.ts';
import { type MemoryBreakdown, memoryBreakdown } from './memory-process.ts';

interface PlatformStats {
  distinct: number;
  duplicates: number;
  first: number;
  last: number;
  rateLimited: number;
  perSecond: number[];
}

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const usePostgres = option('db', 'pglite') === 'postgres';
const recipients = Number(option('recipients', '100000'));
const rate = Number(option('rate', '2000'));
const outboxBatch = option('outbox-batch', '500');
const allFeatures = option('features', 'broadcast') === 'all';
const breakdown = args.includes('--breakdown');
/** Hearth's default (PGLITE_SHARED_BUFFERS) unless given. */
const sharedBuffers = option('shared-buffers', loadConfig({}).PGLITE_SHARED_BUFFERS);
const TEXT = `Bench broadcast ${randomBytes(3).toString('hex')}`;
const TOKEN = '7777:bench';
/** Forks a sibling bench script: compiled (dist/, `npm run bench:broadcast`) or, under tsx, its source. */
const forkSibling = (name: string, options: ForkOptions) => {
  const compiled = import.meta.url.endsWith('.js');
  const path = new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url).pathname;
  return fork(path, [], { execArgv: compiled ? [] : ['--import', 'tsx'], ...options });
};

async function startFakes(): Promise<{ child: ChildProcess; telegramUrl: string; genericUrl: string }> {
  const child = forkSibling('broadcast-fakes', {
    env: { ...process.env, BENCH_RATE: String(rate), BENCH_TEXT: TEXT },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { telegramUrl: string; genericUrl: string }) => resolve({ child, ...m }));
  });
}

function fakeStats(child: ChildProcess): Promise<{ telegram: PlatformStats; generic: PlatformStats }> {
  return new Promise((resolve) => {
    const on = (m: { type: string; telegram: PlatformStats; generic: PlatformStats }) => {
      if (m.type !== 'stats') return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type: 'stats' });
  });
}

/** A fresh database (a temporary PGlite folder, or a new database on TEST_DATABASE_URL's server). */
async function createStore(): Promise<{ url?: string; dataDir?: string; dispose: () => Promise<void> }> {
  if (!usePostgres) {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
    return { dataDir: dir, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const server = process.env.TEST_DATABASE_URL;
  if (!server) throw new Error('--db postgres needs TEST_DATABASE_URL');
  const name = `hearth_bench_${randomBytes(4).toString('hex')}`;
  // Loaded here: on PGlite the measured process must not hold the PostgreSQL driver Hearth leaves out.
  const { default: pg } = await import('pg');
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), dispose: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Migrates and seeds in a child process (bench/broadcast-prepare.ts); returns the seeding seconds. */
function prepareStore(store: { url?: string; dataDir?: string }): Promise<number> {
  const child = forkSibling('broadcast-prepare', {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_RECIPIENTS: String(recipients),
      ...(store.url ? { BENCH_DB_URL: store.url } : { BENCH_DATA_DIR: store.dataDir }),
      ...(sharedBuffers ? { BENCH_SHARED_BUFFERS: sharedBuffers } : {}),
    },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve((JSON.parse(last) as { seededSeconds: number }).seededSeconds);
      else reject(new Error(`preparing the database failed (exit ${code})`));
    });
  });
}

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  let peakBreakdown: MemoryBreakdown | undefined;
  let phase = 'start';
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    // --breakdown: where the resident pages are (smaps) at each new peak, 4 MB apart.
    if (breakdown && m.rss > peakRss + (4 << 20)) {
      peakBreakdown = memoryBreakdown(process.pid);
      console.log(
        JSON.stringify({
          phase,
          rss: m.rss >> 20,
          heapUsed: m.heapUsed >> 20,
          heapTotal: m.heapTotal >> 20,
          external: m.external >> 20,
          ...peakBreakdown,
        }),
      );
    }
    peakRss = Math.max(peakRss, m.rss);
  }, 100);
  const store = await createStore();
  const seededSeconds = await prepareStore(store);
  console.log(`seeded ${recipients} subscribers in ${seededSeconds.toFixed(1)} s (child process)`);
  const database = await openDatabase(
    store.url ? { url: store.url } : { dataDir: store.dataDir ?? '', sharedBuffers },
  );
  const dispose = store.dispose;
  const fakes = await startFakes();
  console.log(`database open; RSS ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB`);
  phase = 'open';

  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    HEARTH_TOPICS: 'news',
    SEND_RATE_LIMITS: `telegram=${rate},discord=${rate}`,
    OUTBOX_BATCH_SIZE: outboxBatch,
    // The benchmark measures sending: no weekly cap or quiet hours.
    MARKETING_RESTRAINT: 'false',
  });
  const log = createLogger('error');
  const hearth = new Hearth({
    config,
    log,
    database,
    adapters: [
      new TelegramAdapter({ token: TOKEN, apiRoot: fakes.telegramUrl, log }),
      new BenchHttpAdapter('discord', fakes.genericUrl),
      ...createConsoleAdapters(['x', 'slack', 'console']),
    ],
    ...(allFeatures ? {} : { features: [subscriptionsFeature, broadcastsFeature, fallbackFeature] }),
  });
  await hearth.start();
  const mb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
  console.log(`Hearth started; RSS ${mb()} MB`);
  phase = 'fan-out';
  const broadcasts = hearth.features.find((f) => f.name === 'broadcasts') as BroadcastsFeature;

  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${hearth.port}/console/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: 'slack',
      chatId: '#owners',
      userId: 'U-owner',
      text: `/hearth announce --now news ${TEXT}`,
    }),
  });
  const answer = (await res.json()) as { replies: { text: string }[] };
  console.log(
    `owner: ${answer.replies[0]?.text ?? '(no answer)'} (${Math.round(performance.now() - t0)} ms)`,
  );
  await broadcasts.broadcasts.settled();
  const enqueueSeconds = (performance.now() - t0) / 1000;
  console.log(`fan-out: ${recipients} outbox rows in ${enqueueSeconds.toFixed(2)} s`);
  phase = 'delivery';

  const deadline = Date.now() + ((recipients / (2 * rate)) * 4 + 120) * 1000;
  let status = 'enqueuing';
  while (status !== 'done' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const row = await database.prisma.broadcast.findFirst({ select: { status: true } });
    status = row?.status ?? 'missing';
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const stats = await fakeStats(fakes.child);
  const counts = await hearth.outbox.counts({ broadcastId: { not: null } });
  await hearth.stop();
  clearInterval(sampler);
  fakes.child.send({ type: 'stop' });
  await dispose();

  const platforms = [stats.telegram, stats.generic];
  console.log(`per second, telegram: ${stats.telegram.perSecond.join(' ')}`);
  console.log(`per second, other:    ${stats.generic.perSecond.join(' ')}`);
  const delivered = platforms.reduce((n, p) => n + p.distinct, 0);
  const duplicates = platforms.reduce((n, p) => n + p.duplicates, 0);
  const first = Math.min(...platforms.map((p) => p.first));
  const last = Math.max(...platforms.map((p) => p.last));
  const deliverySeconds = (last - first) / 1000;
  const perPlatformRatio = platforms.map((p) => p.distinct / ((p.last - p.first) / 1000) / rate);
  const limitRatio = delivered / deliverySeconds / (rate * platforms.length);
  const result = {
    bench: 'broadcast',
    db: database.kind,
    recipients,
    platforms: 2,
    configuredRatePerPlatform: rate,
    features: allFeatures ? 'all' : 'subscriptions+broadcasts',
    outboxBatchSize: Number(outboxBatch),
    enqueueSeconds: round(enqueueSeconds),
    deliverySeconds: round(deliverySeconds),
    totalSeconds: round(totalSeconds),
    deliveredPerSec: Math.round(delivered / deliverySeconds),
    limitRatio: round(limitRatio, 3),
    limitRatioTelegram: round(perPlatformRatio[0] ?? 0, 3),
    limitRatioOther: round(perPlatformRatio[1] ?? 0, 3),
    delivered,
    duplicates,
    lost: recipients - delivered,
    rateLimited: platforms.reduce((n, p) => n + p.rateLimited, 0),
    outbox: counts,
    status,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    ...(peakBreakdown ? { peakBreakdownMb: peakBreakdown } : {}),
    ...(usePostgres ? {} : { sharedBuffers }),
  };
  console.log(
    `delivered ${delivered}/${recipients} in ${deliverySeconds.toFixed(1)} s = ${result.deliveredPerSec} msg/s ` +
      `(limit ${rate}/s × 2 platforms; ratio ${result.limitRatio}), duplicates ${duplicates}, lost ${result.lost}, ` +
      `429s ${result.rateLimited}, peak RSS ${result.peakRssMb} MB`,
  );
  console.log(JSON.stringify(result));
  process.exit(0);
}

function round(n: number, digits = 2): number {
  return Number(n.toFixed(digits));
}

main().catch((error: unknown) => {
  console.error('bench:broadcast failed:', error);
  process.exit(1);
});
