import type { Services } from '../../app/context.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { Prisma } from '../../db/database.ts';
import type { ScheduleRecord } from '../../scheduler/schedule-store.ts';
import type { ScheduleHandler } from '../../scheduler/scheduler.ts';
import type { Closing, PollRequest } from './parse.ts';
import { shortId } from './render.ts';
import type { PollService } from './service.ts';

/** The schedule kind of a poll posted later or repeatedly. */
export const POLL_SCHEDULE_KIND = 'poll';

/** What a `poll` Schedule row carries: the request as the owner gave it (closing relative to each posting). */
interface PollSchedulePayload {
  question: string;
  options: string[];
  multi: boolean;
  anonymous: boolean;
  closes?: { afterMs: number } | { at: string };
  targets: string[];
}

export function payloadOf(request: PollRequest): Prisma.InputJsonValue {
  const { closes } = request;
  const payload: PollSchedulePayload = {
    question: request.question,
    options: request.options,
    multi: request.multi,
    anonymous: request.anonymous,
    targets: request.targets,
    ...(closes
      ? { closes: 'at' in closes ? { at: closes.at.toISOString() } : { afterMs: closes.afterMs } }
      : {}),
  };
  return payload as unknown as Prisma.InputJsonValue;
}

/** Reads a schedule's payload back; throws a UserFacingError when it is not a poll. */
export function requestOf(schedule: ScheduleRecord): PollRequest {
  const value = (schedule.payload ?? {}) as Partial<PollSchedulePayload>;
  const strings = (x: unknown) =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  const options = strings(value.options);
  if (typeof value.question !== 'string' || options.length < 2) {
    throw new UserFacingError(`schedule ${schedule.id.slice(0, 8)} does not hold a poll`);
  }
  let closes: Closing | undefined;
  if (value.closes && 'afterMs' in value.closes && Number(value.closes.afterMs) > 0) {
    closes = { afterMs: Number(value.closes.afterMs) };
  } else if (value.closes && 'at' in value.closes && !Number.isNaN(Date.parse(value.closes.at))) {
    closes = { at: new Date(value.closes.at) };
  }
  return {
    question: value.question,
    options,
    multi: value.multi === true,
    anonymous: value.anonymous === true,
    targets: strings(value.targets),
    ...(closes ? { closes } : {}),
  };
}

/**
 * Fires `poll` schedules: inside the transaction that claims the occurrence, the poll is created and
 * its posts enqueued (so a crash loses nothing and a second instance posts nothing), and the owners
 * are told. An audience that no longer exists is reported to the owners instead of retried forever.
 */
export function pollScheduleHandler(services: Services, service: PollService): ScheduleHandler {
  return {
    async fire(schedule, occurrence, tx) {
      const note = (text: string) =>
        services.outbox.enqueue(
          {
            to: services.owners.channel,
            content: { text },
            dedupeKey: `poll-schedule:${schedule.id}:${occurrence.toISOString()}`,
          },
          tx,
        );
      try {
        const { poll, posted } = await service.createIn(
          tx,
          requestOf(schedule),
          schedule.createdBy,
          occurrence,
        );
        const total = posted.native + posted.buttons + posted.numbered;
        await note(
          `Scheduled poll \`${shortId(poll.id)}\` "${poll.question}" posted to ${total} ${total === 1 ? 'chat' : 'chats'}.`,
        );
      } catch (error) {
        if (!(error instanceof UserFacingError)) throw error;
        await note(`Scheduled poll ${schedule.id.slice(0, 8)} could not be posted: ${error.message}`);
      }
      return async () => services.wakeDelivery();
    },
  };
}
