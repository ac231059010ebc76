import { setTimeout as sleep } from 'node:timers/promises';
import { Batcher } from '../core/batcher.ts';
import type { Platform } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/**
 * Slots one send takes at most while every one came too late (a process stalled for seconds): then
 * it does not leave at all (the caller puts it back), rather than late among later slots' sends.
 */
const MAX_SLOTS_PER_SEND = 8;

/** One send asking for its slot. */
interface SlotRequest {
  platform: Platform;
  intervalMs: number;
}

/**
 * A platform's send pace shared by every instance on one PostgreSQL: one row per platform holds the
 * next free slot (GCRA with no burst); each send takes the next slot, `intervalMs` after the last
 * one, and waits for its time. Instances together never exceed the pace, whichever sends. Sends
 * asking at the same moment take their slots in one statement. Slots are the database's clock; the
 * instances' clocks are assumed to agree with it (NTP) within a few milliseconds.
 */
export class SharedPace {
  private readonly slots = new Batcher<SlotRequest, number>((requests) => this.take(requests), 1000);

  constructor(private readonly db: Db) {}

  /**
   * Takes the platform's next slot and resolves when it has come, with the slot's time (epoch ms).
   * A send whose timer fired more than `toleranceMs` late (a stalled process: many timers fire at
   * once) takes a new slot instead of leaving in a bunch with the sends of later slots; undefined
   * when none of MAX_SLOTS_PER_SEND slots could be kept.
   */
  async depart(
    platform: Platform,
    intervalMs: number,
    toleranceMs = intervalMs,
  ): Promise<number | undefined> {
    for (let attempt = 1; attempt <= MAX_SLOTS_PER_SEND; attempt++) {
      const slotAt = await this.slots.add({ platform, intervalMs });
      const waitMs = Math.ceil(slotAt - Date.now());
      if (waitMs > 0) await sleep(waitMs);
      if (Date.now() - slotAt <= toleranceMs) return slotAt;
    }
    return undefined;
  }

  /** A 429 for the whole platform: no instance sends before `ms` from now. */
  async pause(platform: Platform, ms: number): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO send_pace (platform, "nextAt") VALUES (${platform}, clock_timestamp() + ${ms} * interval '1 millisecond')
      ON CONFLICT (platform) DO UPDATE
        SET "nextAt" = greatest(send_pace."nextAt", EXCLUDED."nextAt")`;
  }

  /** One statement per platform for the requests of one tick; returns each request's slot (epoch ms). */
  private async take(requests: SlotRequest[]): Promise<number[]> {
    const byPlatform = new Map<Platform, number[]>();
    requests.forEach((request, i) => {
      const indexes = byPlatform.get(request.platform) ?? [];
      indexes.push(i);
      byPlatform.set(request.platform, indexes);
    });
    const slots = new Array<number>(requests.length).fill(0);
    for (const [platform, indexes] of byPlatform) {
      const intervalMs = requests[indexes[0] ?? 0]?.intervalMs ?? 0;
      const count = indexes.length;
      // The first slot: the stored one, or now if it has passed; the row moves on by `count` slots.
      // Slots are absolute times: a send leaves at its slot however long the answer took to come.
      const [row] = await this.db.$queryRaw<{ first_at_ms: number }[]>`
        INSERT INTO send_pace (platform, "nextAt")
        VALUES (${platform}, clock_timestamp() + ${count * intervalMs} * interval '1 millisecond')
        ON CONFLICT (platform) DO UPDATE
          SET "nextAt" = greatest(send_pace."nextAt", clock_timestamp())
            + ${count * intervalMs} * interval '1 millisecond'
        RETURNING (extract(epoch FROM "nextAt") * 1000 - ${count * intervalMs})::float8 AS first_at_ms`;
      const first = row?.first_at_ms ?? Date.now();
      indexes.forEach((index, n) => {
        slots[index] = first + n * intervalMs;
      });
    }
    return slots;
  }
}
