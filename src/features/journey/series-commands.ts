import type { HearthContext, Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import { contentFromText } from '../broadcasts/content.ts';
import { type SeriesService, stepStatsOf } from './series.ts';

const SERIES_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const MAX_STEPS = 20;

/** `on-subscribe`, `now`, `0`, `+3d`, `3d`, `+10days` → days after subscribing; null when not a delay. */
export function parseDelay(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (['now', 'on-subscribe', 'onsubscribe', 'subscribe', '0', '+0', '+0d'].includes(t)) return 0;
  const m = /^\+?(\d{1,3})(d|day|days)?$/.exec(t);
  if (!m) return null;
  const days = Number(m[1]);
  return days <= 365 ? days : null;
}

export function describeDelay(days: number): string {
  return days === 0 ? 'on subscribe' : `+${days} day${days === 1 ? '' : 's'}`;
}

const USAGE = [
  'series - list them',
  'series create <name> <topic>',
  'series step <name> <on-subscribe|+3d> <text> [Label](https://link)',
  'series edit <name> <step number> [<+3d>] <text>',
  'series preview <name>',
  'series pause|resume <name>',
].join('\n');

/** `/hearth series ...`: the owners define, preview, edit and pause welcome series. */
export function seriesOwnerCommand(services: Services, series: SeriesService): OwnerCommand {
  const { db } = services;
  const find = async (name: string) => {
    const found = await db.series.findUnique({
      where: { name: name.toLowerCase() },
      include: { steps: { orderBy: { idx: 'asc' } } },
    });
    if (!found) throw new UserFacingError(`There is no series "${name}". /hearth series lists them.`);
    return found;
  };

  const list = async (ctx: HearthContext) => {
    const all = await db.series.findMany({ orderBy: { createdAt: 'asc' }, include: { steps: true } });
    if (all.length === 0) return void (await ctx.reply(`No series yet.\n${USAGE}`));
    const counts = await db.seriesEnrollment.groupBy({ by: ['seriesId', 'status'], _count: { _all: true } });
    const count = (id: string, status: string) =>
      counts.find((c) => c.seriesId === id && c.status === status)?._count._all ?? 0;
    const lines = all.map(
      (s) =>
        `${s.name} (topic ${s.topic}, ${s.status}): ${s.steps.length} step(s); members in it ${count(s.id, 'active')}, ` +
        `finished ${count(s.id, 'finished')}, stopped ${count(s.id, 'stopped')}`,
    );
    await ctx.reply(`Welcome series:\n${lines.join('\n')}`);
  };

  const preview = async (ctx: HearthContext, name: string) => {
    const s = await find(name);
    const stats = await stepStatsOf(db, s.id);
    const lines = s.steps.map((step) => {
      const st = stats.find((x) => x.idx === step.idx);
      const link = step.linkLabel && step.linkUrl ? `\n   [${step.linkLabel}] ${step.linkUrl}` : '';
      return (
        `${step.idx + 1}. ${describeDelay(step.delayDays)}: ${step.text}${link}\n` +
        `   reached ${st?.reach ?? 0} · clicks ${st?.clicks ?? 0} · opted out after it ${st?.optOuts ?? 0}`
      );
    });
    await ctx.reply(`Series ${s.name} for ${s.topic} (${s.status}):\n${lines.join('\n') || 'no steps yet'}`);
  };

  return {
    name: 'series',
    usage: 'series [create|step|edit|preview|pause|resume] ...',
    summary: 'welcome series (new customer kit): steps sent after subscribing to a topic',
    async run(ctx, args) {
      const m = /^(\S+)?\s*(\S+)?\s*([\s\S]*)$/.exec(args.trim());
      const verb = (m?.[1] ?? 'list').toLowerCase();
      const name = (m?.[2] ?? '').toLowerCase();
      const rest = (m?.[3] ?? '').trim();
      if (verb === 'list') return list(ctx);
      if (!name) throw new UserFacingError(`Name the series.\n${USAGE}`);
      if (verb === 'create') {
        if (!SERIES_NAME.test(name))
          throw new UserFacingError('A series name is one word of letters, digits, - or _.');
        const topic = rest.toLowerCase();
        if (!topic || !(await db.topic.findUnique({ where: { name: topic } }))) {
          throw new UserFacingError(
            `Say which topic it welcomes to, e.g. /hearth series create ${name} news.`,
          );
        }
        if (await db.series.findUnique({ where: { name } }))
          throw new UserFacingError(`Series "${name}" exists already.`);
        await db.series.create({ data: { name, topic, createdBy: ctx.event.sender.userId } });
        return void (await ctx.reply(
          `Series ${name} created for ${topic}. Add steps: /hearth series step ${name} on-subscribe Welcome! ...`,
        ));
      }
      if (verb === 'preview' || verb === 'show') return preview(ctx, name);
      if (verb === 'pause' || verb === 'resume') {
        const s = await find(name);
        await db.series.update({
          where: { id: s.id },
          data: { status: verb === 'pause' ? 'paused' : 'active' },
        });
        if (verb === 'resume') await series.sendDue();
        return void (await ctx.reply(
          verb === 'pause'
            ? `Series ${name} paused: nobody gets its steps until you resume it.`
            : `Series ${name} resumes: due steps go out now.`,
        ));
      }
      if (verb === 'step') {
        const s = await find(name);
        const [delayText = '', ...words] = rest.split(/\s+/);
        const delay = parseDelay(delayText);
        const content = contentFromText(words.join(' '));
        if (delay === null || !content.text)
          throw new UserFacingError(`Give a delay and the text.\n${USAGE}`);
        if (s.steps.length >= MAX_STEPS)
          throw new UserFacingError(`A series has at most ${MAX_STEPS} steps.`);
        const last = s.steps.at(-1);
        if (last && delay < last.delayDays) {
          throw new UserFacingError(
            `Steps go in order: this one must come at ${describeDelay(last.delayDays)} or later.`,
          );
        }
        await db.seriesStep.create({
          data: {
            seriesId: s.id,
            idx: s.steps.length,
            delayDays: delay,
            text: content.text,
            linkLabel: content.link?.label ?? null,
            linkUrl: content.link?.url ?? null,
          },
        });
        return void (await ctx.reply(`Step ${s.steps.length + 1} of ${name}: ${describeDelay(delay)}.`));
      }
      if (verb === 'edit') {
        const s = await find(name);
        const [numberText = '', maybeDelay = '', ...words] = rest.split(/\s+/);
        const step = s.steps.find((x) => x.idx === Number(numberText) - 1);
        if (!step)
          throw new UserFacingError(`Series ${name} has no step ${numberText}; it has ${s.steps.length}.`);
        const delay = parseDelay(maybeDelay);
        const content = contentFromText((delay === null ? [maybeDelay, ...words] : words).join(' '));
        if (!content.text) throw new UserFacingError('Give the new text.');
        await db.seriesStep.update({
          where: { seriesId_idx: { seriesId: s.id, idx: step.idx } },
          data: {
            text: content.text,
            linkLabel: content.link?.label ?? null,
            linkUrl: content.link?.url ?? null,
            ...(delay === null ? {} : { delayDays: delay }),
          },
        });
        return void (await ctx.reply(
          `Step ${step.idx + 1} of ${name} changed. Members who have not reached it yet get the new version.`,
        ));
      }
      throw new UserFacingError(USAGE);
    },
  };
}
