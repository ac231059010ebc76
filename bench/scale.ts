/**
 * bench:scale — several Hearth processes (compiled, as `npm start` runs) on one PostgreSQL against a
 * fake Telegram Bot API with a rate limit. An owner broadcasts to N subscribers while customers write
 * in; mid-way the instance holding Telegram's long polling and one other are killed with SIGKILL and
 * restarted. Prints human lines, then one JSON line:
 * {"instances","recipients","delivered","duplicates","lost","peakRatePerLimit","limit429s",
 *  "takeoverSeconds","inboundAnsweredOnce"}.
 *
 *   npm run bench:scale -- --instances 3 --recipients 20000 [--rate 200] [--postgres URL]
 *
 * --trace: each process records its Bot API requests (bench/scale-trace.mjs); the 429s are explained.
 * PostgreSQL: --postgres or TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
 * a fresh database is made on that server and dropped after.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScale, type ScaleOptions } from './scale-run.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};

const options: ScaleOptions = {
  instances: Number(option('instances', '3')),
  recipients: Number(option('recipients', '20000')),
  rate: Number(option('rate', '200')),
  serverUrl: option('postgres', process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'),
  entry: ['dist/adapters/main.js'],
  leaderLeaseMs: 15_000,
  ...(args.includes('--trace') ? { traceDir: mkdtempSync(join(tmpdir(), 'hearth-scale-trace-')) } : {}),
  log: (line) => console.log(line),
};

const result = await runScale(options);
console.log(JSON.stringify(result));
process.exit(0);
