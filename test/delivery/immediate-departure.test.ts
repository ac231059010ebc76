import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { Outbox } from '../../src/delivery/outbox.ts';
import { openPostgres, POSTGRES_URL } from '../support/databases.ts';
import { until } from '../support/until.ts';

/**
 * On PostgreSQL a departure is written on a connection of its own the moment it is known: its
 * bytes are out before `departed()` returns, so a process SIGKILLed on the very next line still has
 * it recorded (the row is then in doubt, not sent twice).
 */
describe.runIf(POSTGRES_URL)('departures written at once (PostgreSQL)', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openPostgres(POSTGRES_URL ?? '');
  });
  afterAll(async () => database?.close());

  it('a process killed right after departed() returns still has the departure recorded', async () => {
    const outbox = new Outbox(database.prisma, 0, true, database.immediate);
    await outbox.enqueue({ to: { platform: 'telegram', chatId: '1' }, content: { text: 'hi' } });
    const [row] = await outbox.claim('doomed', 1, new Date(), 60_000);
    if (!row) throw new Error('nothing claimed');
    const url = (await database.prisma.$queryRaw<{ url: string }[]>`SELECT current_database() AS url`)[0]
      ?.url;
    const target = new URL(POSTGRES_URL ?? '');
    target.pathname = `/${url}`;
    const script = `
      import { ImmediateWriter } from './src/db/immediate-writer.ts';
      import { Departures } from './src/delivery/departures.ts';
      const writer = new ImmediateWriter(${JSON.stringify(target.toString())});
      await writer.send('SELECT 1', []); // connected
      void new Departures(undefined, true, writer).departed({ id: ${row.id}n }, 'doomed');
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal, stderr).toBe('SIGKILL');
    const departed = await until(
      async () => (await database.prisma.outbox.findUniqueOrThrow({ where: { id: row.id } })).departedAt,
      'the departure',
      10_000,
    );
    expect(Math.abs(departed.getTime() - Date.now())).toBeLessThan(60_000); // UTC, as Prisma stores it
  });
});
