import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEND_METHODS } from '../test/fakes/telegram-api.ts';
import type { RecordedCall } from '../test/fakes/telegram-api-wire.ts';

/** One Bot API request as bench/scale-trace.mjs recorded it in a Hearth process. */
interface TraceEntry {
  pid: number;
  path: string;
  chat?: string;
  /** When the request was made, when its body reached the socket, when the answer came (epoch ms). */
  at: number;
  flushed?: number;
  answered?: number;
  status?: number;
  /** The outbox row being delivered, and the shared-pace slot it left for (none: outside the pace). */
  row?: string;
  slot?: { asked: number; slot: number; woke: number };
  slots: number;
}

interface Joined extends TraceEntry {
  fakeAt: number;
}

/**
 * Reads the processes' traces, matches each with the fake's record of the call (same method and chat,
 * in order), and explains each bunch of 429s: how many sends of the fake's full window were there by
 * their slot time, when their wait ended, when the request was made and when it reached the socket.
 */
export function traceReport(
  dir: string,
  calls: readonly RecordedCall[],
  killedAt: number,
  duplicated: readonly string[] = [],
): string[] {
  const entries: TraceEntry[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line) entries.push(JSON.parse(line) as TraceEntry);
    }
  }
  const sends = entries.filter((e) => SEND_METHODS.has(e.path));
  const byKey = new Map<string, TraceEntry[]>();
  for (const e of sends.sort((a, b) => a.at - b.at)) {
    const key = `${e.path}/${e.chat}`;
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  const joined: Joined[] = [];
  const fakeSends = calls.filter((c) => SEND_METHODS.has(c.method));
  for (const call of fakeSends) {
    const entry = byKey.get(`${call.method}/${String(call.body.chat_id)}`)?.shift();
    if (entry) joined.push({ ...entry, fakeAt: call.at });
  }
  const lines: string[] = [];
  const outside = sends.filter((e) => !e.slot);
  lines.push(
    `trace: ${sends.length} sends traced in ${new Set(entries.map((e) => e.pid)).size} processes, ${joined.length} matched with the fake; ${outside.length} outside the shared pace (${[...new Set(outside.map((e) => e.path))].join(', ')}); ${sends.filter((e) => e.slots > 1).length} took more than one slot`,
  );
  const rel = (t: number) => ((t - killedAt) / 1000).toFixed(2);
  const refused = calls.filter((c) => c.status === 429 && SEND_METHODS.has(c.method)).map((c) => c.at);
  let last = Number.NEGATIVE_INFINITY;
  for (const at of refused) {
    if (at - last < 1000) continue;
    last = at;
    const ok = joined.filter((j) => j.status === 200 && j.fakeAt > at - 1000 && j.fakeAt <= at);
    const inWindow = (pick: (j: Joined) => number | undefined) =>
      ok.filter((j) => {
        const t = pick(j);
        return t !== undefined && t > at - 1000 && t <= at;
      }).length;
    const worst = [...ok]
      .sort((a, b) => b.fakeAt - (b.slot?.slot ?? b.fakeAt) - (a.fakeAt - (a.slot?.slot ?? a.fakeAt)))
      .slice(0, 4)
      .map(
        (j) =>
          `pid ${j.pid} row ${j.row ?? '-'} slot ${rel(j.slot?.slot ?? 0)} woke +${(j.slot?.woke ?? 0) - (j.slot?.slot ?? 0)} request +${j.at - (j.slot?.slot ?? 0)} socket +${(j.flushed ?? 0) - (j.slot?.slot ?? 0)} fake +${j.fakeAt - (j.slot?.slot ?? 0)} ms`,
      );
    lines.push(
      `429 at ${rel(at)} s: the fake's window before it held ${ok.length} traced sends; by slot time ${inWindow((j) => j.slot?.slot)}, by wake ${inWindow((j) => j.slot?.woke)}, by request ${inWindow((j) => j.at)}, by socket ${inWindow((j) => j.flushed)}, outside the pace ${ok.filter((j) => !j.slot).length}; latest: ${worst.join('; ')}`,
    );
  }
  for (const chat of duplicated.slice(0, 8)) {
    const seen = sends
      .filter((e) => e.chat === chat)
      .map(
        (e) =>
          `pid ${e.pid} row ${e.row ?? '-'} request ${rel(e.at)} s, slot ${e.slot ? rel(e.slot.slot) : '-'}, answered ${e.answered ? rel(e.answered) : '-'} (${e.status ?? 'none'})`,
      );
    lines.push(`sends to ${chat}: ${seen.join('; ')}`);
  }
  return lines;
}
