import { describe, expect, it } from 'vitest';
import { shutdownHandler } from '../../src/app/shutdown.ts';
import { CapturingLogger } from '../support/logger.ts';

function setup(stop: () => Promise<void>, timeoutMs = 50) {
  const log = new CapturingLogger();
  const exits: number[] = [];
  let stops = 0;
  const handler = shutdownHandler({
    stop: () => {
      stops++;
      return stop();
    },
    log,
    timeoutMs,
    exit: (code) => exits.push(code),
  });
  return { handler, log, exits, stops: () => stops };
}

describe('shutdownHandler', () => {
  it('exits 0 once Hearth has stopped, and stops only once for repeated signals', async () => {
    const { handler, exits, stops, log } = setup(() => new Promise((r) => setTimeout(r, 10)));
    const first = handler('SIGTERM');
    const second = handler('SIGINT');
    expect(await first).toBe('stopped');
    expect(await second).toBe('stopped');
    expect(stops()).toBe(1);
    expect(exits).toEqual([0]);
    expect(log.entries.map((e) => e.msg)).toContain('stopped');
  });

  it('exits 1 and says so when stopping takes longer than the timeout', async () => {
    const { handler, exits, log } = setup(() => new Promise(() => {}), 30);
    const started = Date.now();
    expect(await handler('SIGTERM')).toBe('timed-out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(exits).toEqual([1]);
    const error = log.entries.find((e) => e.level === 'error');
    expect(error?.msg).toMatch(/did not stop within 30 ms; exiting anyway/);
  });

  it('exits 1 with the error logged when stopping fails', async () => {
    const { handler, exits, log } = setup(() => Promise.reject(new Error('database gone')));
    expect(await handler('SIGINT')).toBe('failed');
    expect(exits).toEqual([1]);
    expect(log.entries.find((e) => e.level === 'error')?.msg).toBe('stopping failed: database gone');
  });
});
