import type { HearthContext } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import { isPlatform } from '../../core/events.ts';
import type { Prisma } from '../../db/database.ts';
import { describeWhen as whenInWords } from '../../scheduler/describe.ts';
import type { ScheduleRecord } from '../../scheduler/schedule-store.ts';
import { parseWhen, WHEN_GRAMMAR, type When } from '../../scheduler/when.ts';
import { type Audience, audienceFromJson, resolveAudience } from './audience.ts';
import { type BroadcastContent, contentFromJson, contentFromText, renderContent } from './content.ts';
import { broadcastEstimate } from './estimate.ts';
import { audienceSizes, emptyAudienceWarnings, previewMessage, shownAs, sizeWords } from './preview.ts';
import type { BroadcastService } from './service.ts';

/** Splits `<audience> <text>` and checks both. */
async function audienceAndContent(ctx: HearthContext, args: string) {
  const m = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
  if (!m?.[1] || !m[2]?.trim()) throw new UserFacingError('Say who gets it and what to say.');
  const audience = await resolveAudience(ctx.services.db, m[1]);
  const content = contentFromText(m[2]);
  if (!content.text) throw new UserFacingError('The message is empty.');
  return { audience, content };
}

/** When it fires, in the business's timezone and in words. */
function describeWhen(when: When | ScheduleRecord, now: Date): string {
  const cron = 'cron' in when ? when.cron : null;
  if (cron) return whenInWords({ kind: 'cron', cron, timezone: when.timezone }, now);
  const runAt = 'runAt' in when ? when.runAt : null;
  if (!runAt) return 'never';
  return whenInWords({ kind: 'once', runAt, timezone: when.timezone }, now);
}

/** What each platform of the audience would get, how many there, and warnings for nobody. */
async function broadcastPreview(
  ctx: HearthContext,
  audience: Audience,
  content: BroadcastContent,
  when: string,
) {
  const { db, capabilitiesOf } = ctx.services;
  const sizes = await audienceSizes(db, audience);
  const sections = sizes.map((size) => {
    const capabilities = isPlatform(size.platform) ? capabilitiesOf(size.platform) : undefined;
    return `${size.platform}: ${sizeWords(size)} get\n${shownAs(renderContent(content, capabilities))}`;
  });
  const warnings = await emptyAudienceWarnings(db, audience.topics, sizes);
  // Slow or paid platforms (X: one DM a minute, billed per DM): how long and what it costs.
  const estimate = await broadcastEstimate(ctx.services, audience);
  return previewMessage(`broadcast to ${audience.label}, ${when}`, [...sections, ...estimate], warnings);
}

function short(id: string): string {
  return id.slice(0, 8);
}

/** The owners' broadcast and schedule commands. */
export function broadcastCommands(broadcasts: BroadcastService): OwnerCommand[] {
  const idArg = (args: string) => {
    const ref = args.trim().split(/\s+/)[0] ?? '';
    if (ref.length < 4)
      throw new UserFacingError('Give the id (at least its first 4 characters) from /hearth schedules.');
    return ref;
  };
  const schedule = async (ctx: HearthContext, ref: string) => {
    const found = await ctx.services.scheduler.store.find(ref);
    if (!found) throw new UserFacingError(`No schedule or broadcast "${ref}". See /hearth schedules.`);
    return found;
  };
  return [
    {
      name: 'announce',
      usage: 'announce <topic|#channel>[,...] [--mention-everyone] <text> [[Button](https://link)]',
      summary: 'send a broadcast now (--mention-everyone pings everyone in community channels)',
      async preview(ctx, args) {
        const { audience, content } = await audienceAndContent(ctx, args);
        return broadcastPreview(ctx, audience, content, 'now');
      },
      async run(ctx, args) {
        const { audience, content } = await audienceAndContent(ctx, args);
        const id = await broadcasts.create({ content, audience, createdBy: ctx.event.sender.userId });
        const estimate = await broadcastEstimate(ctx.services, audience);
        broadcasts.launch(id);
        await ctx.reply(
          [
            `Broadcast ${short(id)} to ${audience.label} is on its way; progress follows here.`,
            ...estimate,
          ].join('\n'),
        );
      },
    },
    {
      name: 'schedule',
      usage: 'schedule <when> <topic|#channel>[,...] <text>',
      summary: `send a broadcast later or repeatedly; <when> is one of:\n${WHEN_GRAMMAR}`,
      async preview(ctx, args) {
        const now = ctx.services.now();
        const { when, rest } = parseWhen(args, now, ctx.services.config.SCHEDULE_TIMEZONE);
        if (when.kind === 'once' && when.runAt <= now) throw new UserFacingError('That time has passed.');
        const { audience, content } = await audienceAndContent(ctx, rest);
        return broadcastPreview(ctx, audience, content, describeWhen(when, now));
      },
      async run(ctx, args) {
        const now = ctx.services.now();
        const { when, rest } = parseWhen(args, now, ctx.services.config.SCHEDULE_TIMEZONE);
        if (when.kind === 'once' && when.runAt <= now) throw new UserFacingError('That time has passed.');
        const { audience, content } = await audienceAndContent(ctx, rest);
        const created = await ctx.services.scheduler.store.create({
          kind: 'broadcast',
          when,
          payload: { content, audience } as unknown as Prisma.InputJsonValue,
          createdBy: ctx.event.sender.userId,
        });
        ctx.services.scheduler.changed();
        await ctx.reply(`Scheduled ${short(created.id)}: ${describeWhen(when, now)}, to ${audience.label}.`);
      },
    },
    {
      name: 'schedules',
      usage: 'schedules',
      summary: 'list schedules and broadcasts going out',
      async run(ctx) {
        const now = ctx.services.now();
        const rows = await ctx.services.scheduler.store.live();
        const lines = rows.map((s) => {
          const payload = s.payload as { content?: unknown; audience?: unknown } | null;
          const label = audienceFromJson(payload?.audience).label;
          const text = contentFromJson(payload?.content).text;
          return `${short(s.id)} ${s.kind} ${s.status} · ${describeWhen(s, now)}${label ? ` · to ${label}` : ''}${text ? ` · "${text.slice(0, 60)}"` : ''}`;
        });
        const live = await broadcasts.live();
        lines.push(
          ...live.map((b) => `${short(b.id)} broadcast ${b.status} · ${b.total} recipients · to ${b.label}`),
        );
        await ctx.reply(
          lines.length
            ? `Schedules and broadcasts:\n${lines.join('\n')}`
            : 'No schedules and no broadcast going out.',
        );
      },
    },
    {
      name: 'cancel',
      usage: 'cancel <id>',
      summary: 'cancel a schedule, or stop a broadcast going out',
      async run(ctx, args) {
        const ref = idArg(args);
        const found = await ctx.services.scheduler.store.find(ref);
        if (found) {
          const ok = await ctx.services.scheduler.store.setStatus(found.id, 'cancelled', [
            'active',
            'paused',
          ]);
          ctx.services.scheduler.changed();
          await ctx.reply(
            ok
              ? `Cancelled schedule ${short(found.id)}.`
              : `Schedule ${short(found.id)} is ${found.status} already.`,
          );
          return;
        }
        const broadcast = await broadcasts.find(ref);
        if (!broadcast)
          throw new UserFacingError(`No schedule or broadcast "${ref}". See /hearth schedules.`);
        const cancelled = await broadcasts.cancel(broadcast.id);
        await ctx.reply(
          cancelled === null
            ? `Broadcast ${short(broadcast.id)} is ${broadcast.status} already.`
            : `Stopped broadcast ${short(broadcast.id)}; ${cancelled} pending messages cancelled.`,
        );
      },
    },
    {
      name: 'pause',
      usage: 'pause <id>',
      summary: 'pause a schedule',
      async run(ctx, args) {
        const found = await schedule(ctx, idArg(args));
        const ok = await ctx.services.scheduler.store.setStatus(found.id, 'paused', ['active']);
        ctx.services.scheduler.changed();
        await ctx.reply(
          ok
            ? `Paused ${short(found.id)}.`
            : `Schedule ${short(found.id)} is ${found.status}; only active ones pause.`,
        );
      },
    },
    {
      name: 'resume',
      usage: 'resume <id>',
      summary: 'resume a paused schedule (occurrences while paused are not sent)',
      async run(ctx, args) {
        const found = await schedule(ctx, idArg(args));
        const ok = await ctx.services.scheduler.store.setStatus(found.id, 'active', ['paused']);
        ctx.services.scheduler.changed();
        await ctx.reply(
          ok
            ? `Resumed ${short(found.id)}.`
            : `Schedule ${short(found.id)} is ${found.status}; only paused ones resume.`,
        );
      },
    },
  ];
}
