/**
 * bench:pace — what the shared send pace (several instances on one PostgreSQL) costs per send,
 * against the in-memory pace of one instance. Slots are taken with no interval (intervalMs 0), so
 * only the bookkeeping is timed: statements per send and time to get a slot, with `concurrency`
 * sends asking at once (a worker's batch). Prints one JSON line last:
 * {"sends","concurrency","statements","sendsPerStatement","sharedMsPerSlotP50","sharedMsPerSlotP99",
 *  "sharedCpuUsPerSend","memoryUsPerSend"}.
 *
 *   npm run bench:pace -- [--sends 20000] [--concurrency 50] [--postgres URL]
 */
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/db/database.ts';
import { DepartureWindow } from '../src/delivery/departure-window.ts';
import { SharedPace } from '../src/delivery/shared-pace.ts';
import { createPostgresDatabase } from '../test/support/postgres.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const sends = Number(option('sends', '20000'));
const concurrency = Number(option('concurrency', '50'));
const serverUrl = option(
  'postgres',
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
);

const server = await createPostgresDatabase(serverUrl);
const database = await openDatabase({ url: server.url, poolSize: 5 });
try {
  await database.migrate();
  let statements = 0;
  const pace = new SharedPace(database.prisma);
  const counted = pace as unknown as { take: (r: unknown[]) => Promise<number[]> };
  const take = counted.take.bind(pace);
  counted.take = (requests) => {
    statements++;
    return take(requests);
  };
  const slotMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let done = 0; done < sends; done += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, sends - done) }, async () => {
        const asked = performance.now();
        await pace.depart('telegram', 0, Number.POSITIVE_INFINITY);
        slotMs.push(performance.now() - asked);
      }),
    );
  }
  const cpu = process.cpuUsage(cpuBefore);
  slotMs.sort((a, b) => a - b);
  const at = (q: number) => slotMs[Math.min(slotMs.length - 1, Math.floor(q * slotMs.length))] ?? 0;

  const window = new DepartureWindow(1_000_000_000, 1000, () => Date.now());
  const memoryBefore = process.cpuUsage();
  for (let i = 0; i < sends; i++) await window.depart();
  const memory = process.cpuUsage(memoryBefore);

  const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;
  console.log(
    JSON.stringify({
      sends,
      concurrency,
      statements,
      sendsPerStatement: round(sends / statements, 1),
      sharedMsPerSlotP50: round(at(0.5)),
      sharedMsPerSlotP99: round(at(0.99)),
      sharedCpuUsPerSend: round((cpu.user + cpu.system) / sends, 1),
      memoryUsPerSend: round((memory.user + memory.system) / sends, 2),
    }),
  );
} finally {
  await database.close();
  await server.drop();
}
