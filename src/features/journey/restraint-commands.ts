import type { HearthContext, Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import { isTimezone } from '../../settings.ts';
import { auditConsent, auditText } from './audit.ts';
import { personOf } from './person.ts';
import {
  formatClock,
  parseClock,
  type RestraintSettings,
  readRestraint,
  writeRestraint,
} from './settings.ts';

const DAY_MS = 86_400_000;

export function restraintText(s: RestraintSettings, enabled: boolean): string {
  const quiet =
    s.quietStart === s.quietEnd
      ? 'no quiet hours'
      : `quiet hours ${formatClock(s.quietStart)}-${formatClock(s.quietEnd)}`;
  return (
    `Marketing restraint${enabled ? '' : ' (off: MARKETING_RESTRAINT=false)'}: at most ${s.weeklyCap} message(s) a week per member, ` +
    `${quiet} in each member's timezone; held messages older than ${s.staleAfterHours} h are dropped.`
  );
}

/** `/hearth restraint [cap <n>] [quiet <HH:MM-HH:MM>|off] [stale <hours>]` and `/hearth audit [days]`. */
export function restraintOwnerCommands(services: Services): OwnerCommand[] {
  const restraint: OwnerCommand = {
    name: 'restraint',
    usage: 'restraint [cap <n>] [quiet <21:00-09:00>|off] [stale <hours>]',
    summary: 'weekly cap and quiet hours for marketing messages (broadcasts, series, polls)',
    async run(ctx: HearthContext, args: string) {
      const words = args.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const settings = { ...(await readRestraint(services.db)) };
      for (let i = 0; i < words.length; i += 2) {
        const key = words[i];
        const value = words[i + 1] ?? '';
        if (key === 'cap') {
          const cap = Number(value);
          if (!Number.isInteger(cap) || cap < 0 || cap > 50)
            throw new UserFacingError('The cap is a whole number from 0 to 50.');
          settings.weeklyCap = cap;
        } else if (key === 'quiet') {
          if (value === 'off') {
            settings.quietStart = 0;
            settings.quietEnd = 0;
            continue;
          }
          const [start, end] = value.split('-').map(parseClock);
          if (start == null || end == null)
            throw new UserFacingError('Give quiet hours as HH:MM-HH:MM, e.g. 21:00-09:00, or off.');
          settings.quietStart = start;
          settings.quietEnd = end;
        } else if (key === 'stale') {
          const hours = Number(value.replace(/h$/, ''));
          if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 14)
            throw new UserFacingError('Stale is a number of hours from 1 to 336.');
          settings.staleAfterHours = hours;
        } else {
          throw new UserFacingError(`I don't know "${key ?? ''}": say cap, quiet or stale.`);
        }
      }
      if (words.length > 0) await writeRestraint(services.db, settings);
      await ctx.reply(restraintText(settings, services.config.MARKETING_RESTRAINT));
    },
  };

  const audit: OwnerCommand = {
    name: 'audit',
    usage: 'audit [days]',
    summary: 'prove from the consent ledger that marketing went only to members who had opted in',
    async run(ctx, args) {
      const days = args.trim() ? Number(args.trim()) : 7;
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new UserFacingError('Give a number of days from 1 to 366.');
      const to = new Date(Math.max(Date.now(), services.now().getTime()) + 1);
      const from = new Date(to.getTime() - days * DAY_MS);
      await ctx.reply(auditText(await auditConsent(services.db, from, to)));
    },
  };
  return [restraint, audit];
}

/** `/timezone [Area/City]`: the member's timezone for quiet hours and series times. */
export async function timezoneCommand(ctx: HearthContext): Promise<void> {
  const { db, config } = ctx.services;
  const wanted = ctx.event.kind === 'command' ? ctx.event.args.trim() : '';
  // The person's timezone, whichever of their linked platforms they ask from.
  const { key } = await personOf(db, ctx.memberId);
  const current = await db.memberJourney.findUnique({ where: { memberId: key } });
  if (!wanted) {
    await ctx.reply(
      `Your timezone is ${current?.timezone ?? `${config.SCHEDULE_TIMEZONE} (ours)`}. ` +
        'We never message you at night there. To change it, send /timezone followed by your city, e.g. /timezone Europe/Berlin.',
    );
    return;
  }
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(wanted) || !isTimezone(wanted)) {
    await ctx.reply(
      `I don't know the timezone "${wanted.slice(0, 60)}". Try a name like Europe/Berlin or America/New_York.`,
    );
    return;
  }
  const timezone = new Intl.DateTimeFormat('en-US', { timeZone: wanted }).resolvedOptions().timeZone;
  await db.memberJourney.upsert({
    where: { memberId: key },
    create: { memberId: key, timezone },
    update: { timezone },
  });
  await ctx.reply(`Thanks! Your timezone is now ${timezone}.`);
}
