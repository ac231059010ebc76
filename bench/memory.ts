/**
 * bench:memory — Hearth's resident memory (RSS) on the smallest hosting plans (issue 25). Every Hearth
 * here is a process started as `npm start` starts it (compiled, the same Node flags; no credentials,
 * so the local console stands in for every platform, as on a fresh clone), measured from outside
 * through /proc (Linux only):
 *  1. embedded PGlite on a fresh data folder: the peak while it creates the database and migrates
 *     (VmHWM), and the RSS `--settle` seconds after /health first answers;
 *  2. PostgreSQL (a fresh database on the server of DATABASE_URL, else TEST_DATABASE_URL, else
 *     postgresql://postgres@127.0.0.1:5432/postgres; dropped afterwards): the same two figures;
 *  3. on that PostgreSQL database, with Telegram configured against the fake Bot API: the RSS after
 *     `--messages` mixed inbound updates (questions, commands, votes) and again after as many more
 *     (`--rounds` in all), each read `--load-settle` seconds after its round;
 *  4. embedded PGlite with every platform configured against the fakes of test/fakes (the real
 *     SDKs loaded and connected: telegraf long polling, Bolt, discord.js with its gateway, the X
 *     client): the idle RSS a shop running all four platforms sees;
 *  5. bench:broadcast's peak with 100,000 recipients on PGlite (its own process; `--no-broadcast`
 *     skips it).
 *
 *   npm run bench:memory [-- --settle 10 --load-settle 30 --messages 10000 --rounds 2 --no-broadcast]
 *
 * Prints human lines (with where the resident pages are, by kind of mapping), then, last, one JSON line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeDiscordApi } from '../test/fakes/discord-api.ts';
import { FakeSlackApi } from '../test/fakes/slack-api.ts';
import { FakeTelegramApi } from '../test/fakes/telegram-api.ts';
import { FakeXApi } from '../test/fakes/x-api.ts';
import { createPostgresDatabase } from '../test/support/postgres.ts';
import { InboundLoad, LOAD_TOKEN } from './memory-load.ts';
import { HearthProcess, type MemoryBreakdown } from './memory-process.ts';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}
const SETTLE_SECONDS = Number(arg('settle', '10'));
/**
 * Seconds after a load round before its RSS is read. V8's memory reducer collects some seconds after
 * the allocation rate drops (and a few times more): read at 10 s, the same process showed 181 or
 * 221 MB depending on which side of those collections it fell (V8 heaps 69 vs 109 MB); at 30 s,
 * three rounds read 183, 182, 170. The peak of each round is printed beside it.
 */
const LOAD_SETTLE_SECONDS = Number(arg('load-settle', '30'));
const MESSAGES = Number(arg('messages', '10000'));
/** Load rounds of MESSAGES each (at least 2: afterLoad is the first, afterSecondLoad the second). */
const ROUNDS = Math.max(2, Number(arg('rounds', '2')));
const BROADCAST = !process.argv.includes('--no-broadcast');
const SERVER =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const describe = (b: MemoryBreakdown) =>
  `node binary ${b.nodeBinary}, other files ${b.otherFiles}, WASM memories ${b.wasmMemory}, ` +
  `malloc ${b.malloc}, V8 heaps/code/buffers ${b.v8AndOther} (MB)`;

/**
 * Starts Hearth with `env`, waits SETTLE_SECONDS after /health, returns the idle RSS and the peak so
 * far; `check` (if given) then looks at the running process before it is stopped.
 */
async function startAndIdle(
  label: string,
  env: Record<string, string>,
  check?: (hearth: HearthProcess) => Promise<void>,
) {
  const started = performance.now();
  const hearth = await HearthProcess.start(env);
  const healthSeconds = (performance.now() - started) / 1000;
  await sleep(SETTLE_SECONDS);
  const memory = hearth.memory();
  try {
    await check?.(hearth);
  } finally {
    await hearth.stop();
  }
  console.log(
    `${label}: /health after ${healthSeconds.toFixed(1)} s; cold-start peak ${memory.peak} MB; ` +
      `idle ${memory.rss} MB (${SETTLE_SECONDS} s later): ${describe(memory.breakdown)}`,
  );
  return memory;
}

/** Idle on a fresh PGlite folder with Telegram, Slack, Discord and X configured against local fakes. */
async function allPlatformsIdle(dataDir: string) {
  const [telegram, slack, discord, x] = await Promise.all([
    FakeTelegramApi.start(),
    FakeSlackApi.start(),
    FakeDiscordApi.start(),
    FakeXApi.start(),
  ]);
  try {
    return await startAndIdle(
      'PGlite, every platform configured',
      {
        HEARTH_DATA_DIR: dataDir,
        TELEGRAM_BOT_TOKEN: LOAD_TOKEN,
        TELEGRAM_API_ROOT: telegram.url,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: 'bench-signing-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_OWNERS_CHANNEL: 'C0OWNERS',
        DISCORD_BOT_TOKEN: 'bench-discord-token',
        DISCORD_API_URL: discord.apiUrl,
        X_APP_KEY: 'bench-x-app-key',
        X_APP_SECRET: 'bench-x-app-secret',
        X_ACCESS_TOKEN: 'bench-x-access-token',
        X_ACCESS_SECRET: 'bench-x-access-secret',
        X_API_URL: x.url,
      },
      async (hearth) => {
        // The figure counts only if every platform's adapter really started (SDK loaded, connected).
        const health = (await (await fetch(`${hearth.baseUrl}/health`)).json()) as {
          adapters: { platform: string; started: boolean }[];
        };
        const started = health.adapters
          .filter((adapter) => adapter.started)
          .map((adapter) => adapter.platform);
        for (const platform of ['telegram', 'slack', 'discord', 'x'])
          if (!started.includes(platform))
            throw new Error(`${platform} did not start: ${JSON.stringify(health)}`);
      },
    );
  } finally {
    await Promise.all([telegram, slack, discord, x].map((fake) => fake.close().catch(() => {})));
  }
}

/** RSS after MESSAGES mixed updates through the Telegram adapter, then after as many more. */
async function afterLoad(databaseUrl: string) {
  const load = await InboundLoad.start(databaseUrl);
  const hearth = await HearthProcess.start({
    DATABASE_URL: databaseUrl,
    TELEGRAM_BOT_TOKEN: LOAD_TOKEN,
    TELEGRAM_API_ROOT: load.fake.url,
    // Hearth's own limit (30/s, Telegram's) would make the run take minutes; the fake has none.
    SEND_RATE_LIMITS: 'telegram=1000',
  });
  try {
    await load.prepare((command) => hearth.owner(command));
    const rounds: { rss: number; peak: number; seconds: number; breakdown: MemoryBreakdown }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const started = performance.now();
      await load.run(MESSAGES);
      const seconds = (performance.now() - started) / 1000;
      await sleep(LOAD_SETTLE_SECONDS);
      const memory = { ...hearth.memory(), seconds };
      rounds.push(memory);
      console.log(
        `PostgreSQL + Telegram, after ${round * MESSAGES} updates (${seconds.toFixed(0)} s for these ` +
          `${MESSAGES}): RSS ${memory.rss} MB, peak ${memory.peak} MB: ${describe(memory.breakdown)}`,
      );
    }
    return rounds;
  } finally {
    await hearth.stop();
    await load.close();
  }
}

/** bench:broadcast (100,000 recipients, PGlite) in its own process: its JSON figures. */
async function broadcastPeak(): Promise<{ peakRssMb: number; limitRatio: number }> {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench:broadcast'], {
    maxBuffer: 64 << 20,
    env: process.env,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    peakRssMb: number;
    limitRatio: number;
    lost: number;
    duplicates: number;
  };
  console.log(
    `bench:broadcast (PGlite, 100,000 recipients): peak ${result.peakRssMb} MB; limitRatio ${result.limitRatio}, ` +
      `lost ${result.lost}, duplicates ${result.duplicates}`,
  );
  return result;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-memory-'));
  const database = await createPostgresDatabase(SERVER, `hearth_bench_memory_${process.pid}`);
  try {
    const pglite = await startAndIdle('PGlite, fresh data folder', { HEARTH_DATA_DIR: join(dir, 'data') });
    const postgres = await startAndIdle('PostgreSQL, fresh database', { DATABASE_URL: database.url });
    const allPlatforms = await allPlatformsIdle(join(dir, 'all-platforms'));
    const rounds = await afterLoad(database.url);
    const [first, second] = rounds;
    const broadcast = BROADCAST ? await broadcastPeak() : undefined;
    const growth = first && second ? (second.rss - first.rss) / first.rss : Number.NaN;
    console.log(
      `growth from the first ${MESSAGES} updates to the second: ${(growth * 100).toFixed(1)} % (target within 10 %)`,
    );
    console.log(
      JSON.stringify({
        pgliteIdleMb: pglite.rss,
        pgliteColdStartPeakMb: pglite.peak,
        postgresIdleMb: postgres.rss,
        postgresColdStartPeakMb: postgres.peak,
        afterLoadMb: first?.rss ?? null,
        broadcastPeakMb: broadcast?.peakRssMb ?? null,
        afterSecondLoadMb: second?.rss ?? null,
        loadGrowth: Number(growth.toFixed(3)),
        broadcastLimitRatio: broadcast?.limitRatio ?? null,
        pgliteAllPlatformsIdleMb: allPlatforms.rss,
        ...(rounds.length > 2 ? { afterEachLoadMb: rounds.map((round) => round.rss) } : {}),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:memory failed:', error);
  process.exit(1);
});
