/**
 * Owners' stats benchmark: `npm run bench:slack [-- --members 5000]`.
 *
 * Seeds a community (members on three platforms, subscriptions, ~20 metric facts per member over 30
 * days, handoffs, poll votes) in an in-memory PGlite (or DATABASE_URL's PostgreSQL), then measures
 * 1. computeReport per period (median of 5 runs), and
 * 2. `/hearth stats week` end to end through real Bolt in HTTP mode against the fake Slack Web API:
 *    the HTTP ack latency (Slack's 3-second window) and the time until the reply reaches chat.postMessage
 *    (one command every ~200 ms, as owners do, not a flood).
 * Prints a short table, then, last, one JSON line with the figures.
 */
import { performance } from 'node:perf_hooks';
import { SlackAdapter } from '../adapters/slack/index.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { computeReport, type Period } from '../src/features/metrics/report.ts';
import { Hearth } from '../src/hearth.ts';
import { createLogger } from '../src/logger.ts';
import { FakeSlackApi, SlackRequestSigner } from '../test/fakes/slack-api.ts';

const argMembers = process.argv.indexOf('--members');
const MEMBERS = argMembers > 0 ? Number(process.argv[argMembers + 1]) : 5000;
const FACTS_PER_MEMBER = 20;
const COMMANDS = 20;
const SECRET = 'bench-secret';
const PLATFORMS = ['telegram', 'discord', 'x'];
const FACT_TYPES = [
  'message_received',
  'question_asked',
  'question_answered',
  'question_handed_off',
  'subscribed',
  'unsubscribed',
  'delivery_sent',
];
const DAY = 86_400_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (n: number) => Math.round(n * 10) / 10;

async function seed(database: Database, now: number): Promise<void> {
  const db = database.prisma;
  const chunk = 1000;
  for (let start = 0; start < MEMBERS; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, MEMBERS - start) }, (_, i) => start + i);
    const members = ids.map((i) => ({
      id: `m${i}`,
      displayName: `Member ${i}`,
      createdAt: new Date(now - (i % 60) * DAY),
    }));
    await db.member.createMany({ data: members });
    await db.identity.createMany({
      data: ids.map((i) => ({
        id: `i${i}`,
        memberId: `m${i}`,
        platform: PLATFORMS[i % 3] ?? 'telegram',
        platformUserId: `u${i}`,
        createdAt: new Date(now - (i % 60) * DAY),
      })),
    });
    await db.subscription.createMany({
      data: ids
        .filter((i) => i % 5 < 3)
        .map((i) => ({
          memberId: `m${i}`,
          topic: 'news',
          platform: PLATFORMS[i % 3] ?? 'telegram',
          identityId: `i${i}`,
        })),
    });
    const facts = ids.flatMap((i) =>
      Array.from({ length: FACTS_PER_MEMBER }, (_, k) => ({
        type: FACT_TYPES[(i + k) % FACT_TYPES.length] ?? 'message_received',
        platform: PLATFORMS[i % 3] ?? null,
        memberId: `m${i}`,
        at: new Date(now - ((i * 7 + k * 13) % (30 * 24)) * 3_600_000),
      })),
    );
    await db.metricEvent.createMany({ data: facts });
    await db.handoff.createMany({
      data: ids
        .filter((i) => i % 10 === 0)
        .map((i) => ({
          memberId: `m${i}`,
          platform: PLATFORMS[i % 3] ?? 'telegram',
          chatId: `u${i}`,
          question: `question ${i % 37}`,
          createdAt: new Date(now - (i % 29) * DAY),
          firstAnsweredAt: i % 20 === 0 ? new Date(now - (i % 29) * DAY + (i % 90) * 60_000) : null,
        })),
    });
    await db.vote.createMany({
      data: ids
        .filter((i) => i % 4 === 0)
        .map((i) => ({
          pollId: `p${i % 9}`,
          memberId: `m${i}`,
          optionIdx: i % 3,
          platform: PLATFORMS[i % 3] ?? 'telegram',
          at: new Date(now - (i % 20) * DAY),
        })),
    });
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const database = await openDatabase(url ? { url } : { dataDir: 'memory://' });
  await database.migrate();
  const now = Date.now();
  const seedStart = performance.now();
  await seed(database, now);
  const seedMs = performance.now() - seedStart;

  const reportMs: Record<string, number> = {};
  for (const period of ['day', 'week', 'month'] as Period[]) {
    const runs: number[] = [];
    for (let r = 0; r < 5; r += 1) {
      const t = performance.now();
      await computeReport(database.prisma, { period, to: new Date(now), excludePlatform: 'slack' });
      runs.push(performance.now() - t);
    }
    reportMs[period] = round(percentile(runs, 50));
  }

  const fake = await FakeSlackApi.start();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '20',
    CONSOLE_ENABLED: 'false',
    SLACK_OWNERS_CHANNEL: 'COWNERS',
    DIGEST_DAILY_AT: 'off',
    DIGEST_WEEKLY_DAY: 'off',
  });
  const log = createLogger('silent');
  const adapter = new SlackAdapter({
    botToken: 'xoxb-bench',
    signingSecret: SECRET,
    apiUrl: fake.apiUrl,
    log,
    ownersChannel: 'COWNERS',
    capabilities: {
      rateLimits: [
        { scope: 'account', limit: 100, windowMs: 1000 },
        { scope: 'chat', limit: 100, windowMs: 1000 },
      ],
    },
  });
  // Server-side ack time: from Hearth's route receiving the request to the response handed to the OS.
  // (The client below shares this process: with PGlite's in-process queries its own timing also
  // includes the time the event loop spends on the work that follows the ack.)
  const serverAckMs: number[] = [];
  const mount = adapter.mount.bind(adapter);
  adapter.mount = (http) =>
    mount({
      json: (...args) => http.json(...args),
      page: (...args) => http.page(...args),
      raw: (method, path, handler) =>
        http.raw(method, path, (req, res, body) => {
          const t = performance.now();
          res.on('finish', () => serverAckMs.push(performance.now() - t));
          handler(req, res, body);
        }),
    });
  const hearth = new Hearth({ config, log, database, adapters: [adapter] });
  await hearth.start();
  const signer = new SlackRequestSigner(SECRET, `http://127.0.0.1:${hearth.port}/slack/events`, fake);
  const ackMs: number[] = [];
  const replyMs: number[] = [];
  for (let i = 0; i < COMMANDS; i += 1) {
    const before = fake.messages('COWNERS').length;
    const t = performance.now();
    const response = await signer.slashCommand({
      userId: 'UOWNER',
      channelId: 'COWNERS',
      text: 'stats week',
    });
    ackMs.push(performance.now() - t);
    if (response.status !== 200) throw new Error(`slash command answered ${response.status}`);
    await fake.waitForMessages('COWNERS', before + 1, 30_000);
    replyMs.push(performance.now() - t);
    // Owners do not fire commands back to back: let the previous reply's bookkeeping finish.
    await new Promise((r) => setTimeout(r, 200));
  }
  await hearth.stop();
  await fake.close();

  const result = {
    bench: 'slack-stats',
    database: database.kind,
    members: MEMBERS,
    metricFacts: MEMBERS * FACTS_PER_MEMBER,
    seedMs: Math.round(seedMs),
    reportMedianMs: reportMs,
    slashCommand: {
      commands: COMMANDS,
      serverAckP50Ms: round(percentile(serverAckMs, 50)),
      serverAckP95Ms: round(percentile(serverAckMs, 95)),
      serverAckMaxMs: round(Math.max(...serverAckMs)),
      ackP50Ms: round(percentile(ackMs, 50)),
      ackP95Ms: round(percentile(ackMs, 95)),
      ackMinMs: round(Math.min(...ackMs)),
      ackMaxMs: round(Math.max(...ackMs)),
      replyP50Ms: round(percentile(replyMs, 50)),
      replyP95Ms: round(percentile(replyMs, 95)),
    },
  };
  console.log(
    `database ${result.database}, ${MEMBERS} members, ${result.metricFacts} facts (seeded in ${result.seedMs} ms)`,
  );
  console.log(
    `computeReport median: day ${reportMs.day} ms, week ${reportMs.week} ms, month ${reportMs.month} ms`,
  );
  console.log(
    `/hearth stats week: server-side ack p50 ${result.slashCommand.serverAckP50Ms} ms, p95 ${result.slashCommand.serverAckP95Ms} ms`,
  );
  console.log(
    `/hearth stats week: client-seen ack p50 ${result.slashCommand.ackP50Ms} ms, p95 ${result.slashCommand.ackP95Ms} ms; reply in Slack p50 ${result.slashCommand.replyP50Ms} ms, p95 ${result.slashCommand.replyP95Ms} ms`,
  );
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error('bench:slack failed:', error);
  process.exit(1);
});
