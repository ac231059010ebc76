/**
 * bench:broadcast's preparation, in a process of its own so its memory does not count as Hearth's:
 * creates the schema and seeds the subscribers, then exits. Reads BENCH_DB_URL (PostgreSQL) or
 * BENCH_DATA_DIR (PGlite), BENCH_RECIPIENTS and BENCH_SHARED_BUFFERS; prints the seeding seconds.
 */
import { openDatabase } from '../src/db/database.ts';
import { seedSubscribers } from './broadcast-seed.ts';

const database = await openDatabase(
  process.env.BENCH_DB_URL
    ? { url: process.env.BENCH_DB_URL }
    : {
        dataDir: process.env.BENCH_DATA_DIR ?? '',
        ...(process.env.BENCH_SHARED_BUFFERS ? { sharedBuffers: process.env.BENCH_SHARED_BUFFERS } : {}),
      },
);
await database.migrate();
const start = performance.now();
await seedSubscribers(database.prisma, {
  count: Number(process.env.BENCH_RECIPIENTS ?? 100_000),
  topic: 'news',
  platforms: ['telegram', 'discord'],
  chatIdBase: 10_000_000,
});
const seconds = (performance.now() - start) / 1000;
await database.close();
console.log(JSON.stringify({ seededSeconds: seconds }));
