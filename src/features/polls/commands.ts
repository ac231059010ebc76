import type { HearthContext } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { header, mrkdwn, section } from '../../core/blocks.ts';
import { UserFacingError } from '../../core/errors.ts';
import { isPlatform } from '../../core/events.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import { dayAndTime, describeWhen } from '../../scheduler/describe.ts';
import {
  audienceSizes,
  emptyAudienceWarnings,
  previewMessage,
  shownAs,
  sizeWords,
} from '../broadcasts/preview.ts';
import { renderingFor, resolveAudience } from './audience.ts';
import { closingTime, parsePollRequest } from './parse.ts';
import { formatTime, pollContent, shortId } from './render.ts';
import { POLL_SCHEDULE_KIND, payloadOf } from './schedule.ts';
import type { PollService } from './service.ts';
import type { PollRecord } from './store.ts';

const POLL_USAGE =
  'poll "Question?" "Option A" "Option B" ... [--multi] [--anonymous] [--closes <2h|1d|2026-12-01 18:00>] [--to <topic|#channel>...] [--at <when>]' +
  ' | poll close <id> | poll results <id>';

/** How many polls `/hearth polls` lists. */
const LIST_LIMIT = 15;

/** `/hearth poll ...` (create, close, results) and `/hearth polls` (the list). */
export function pollOwnerCommands(service: PollService): OwnerCommand[] {
  const poll: OwnerCommand = {
    name: 'poll',
    usage: POLL_USAGE,
    summary: 'ask the community a question; close it; see its results',
    run: async (ctx, args) => {
      const [sub = '', ...rest] = args.trim().split(/\s+/);
      if (sub.toLowerCase() === 'close') return closePoll(ctx, service, rest.join(' '));
      if (sub.toLowerCase() === 'results') return showResults(ctx, service, rest.join(' '));
      await createPoll(ctx, service, args);
    },
    preview: async (ctx, args) => {
      const [sub = ''] = args.trim().split(/\s+/);
      if (['close', 'results'].includes(sub.toLowerCase())) return null;
      return pollPreview(ctx, args);
    },
  };
  const polls: OwnerCommand = {
    name: 'polls',
    usage: 'polls',
    summary: 'open and recent polls with how many voted',
    run: (ctx) => listPolls(ctx, service),
  };
  return [poll, polls];
}

const RENDERING_WORDS = { native: 'a native poll', buttons: 'with buttons', numbered: 'as numbered text' };

/** What each platform would show, to how many chats, when; warnings for an empty audience. */
async function pollPreview(ctx: HearthContext, args: string): Promise<OutboundContent> {
  if (!args.trim()) throw new UserFacingError('Give the question and at least two options, each in quotes.');
  const { services } = ctx;
  const now = services.now();
  const timezone = services.config.SCHEDULE_TIMEZONE;
  const request = parsePollRequest(args, now, timezone);
  const audience = await resolveAudience(services.db, request.targets);
  const sizes = await audienceSizes(services.db, audience);
  const postedAt = request.at?.kind === 'once' ? request.at.runAt : now;
  const closesAt = closingTime(request.closes, postedAt) ?? null;
  const sample = {
    id: 'preview',
    question: request.question,
    options: request.options,
    multi: request.multi,
    anonymous: request.anonymous,
    status: 'open' as const,
    closesAt,
    closedAt: null,
    createdAt: now,
    createdBy: null,
  };
  const sections = sizes.flatMap((size) => {
    const capabilities = isPlatform(size.platform) ? services.capabilitiesOf(size.platform) : undefined;
    const shown = (isDirect: boolean, count: number, what: string) => {
      if (count === 0) return [];
      const rendering = renderingFor(capabilities, sample, { isDirect });
      const body =
        rendering === 'native'
          ? `> 📊 native poll: ${request.question}\n${request.options.map((o) => `> ○ ${o}`).join('\n')}`
          : shownAs(pollContent(sample, rendering));
      return [`${size.platform}: ${what} (${RENDERING_WORDS[rendering]})\n${body}`];
    };
    return [
      ...shown(false, size.channels, sizeWords({ subscribers: 0, channels: size.channels })),
      ...shown(true, size.subscribers, sizeWords({ subscribers: size.subscribers, channels: 0 })),
    ];
  });
  const warnings = await emptyAudienceWarnings(services.db, audience.topics, sizes);
  const when = request.at ? describeWhen(request.at, now) : 'now';
  const closing = closesAt ? `, closes ${dayAndTime(closesAt, timezone, now)} ${timezone}` : '';
  return previewMessage(`poll "${request.question}", ${when}${closing}`, sections, warnings);
}

async function createPoll(ctx: HearthContext, service: PollService, args: string): Promise<void> {
  if (!args.trim()) throw new UserFacingError('Give the question and at least two options, each in quotes.');
  const { services } = ctx;
  const request = parsePollRequest(args, services.now(), services.config.SCHEDULE_TIMEZONE);
  if (request.at) {
    // Checked now so a typo is answered now, not when the schedule fires.
    await resolveAudience(services.db, request.targets);
    const schedule = await services.scheduler.store.create({
      kind: POLL_SCHEDULE_KIND,
      when: request.at,
      payload: payloadOf(request),
      createdBy: ctx.event.sender.userId,
    });
    services.scheduler.changed();
    const text = `Poll "${request.question}" scheduled ${describeWhen(request.at, services.now())} (schedule \`${schedule.id.slice(0, 8)}\`; cancel it with /hearth cancel ${schedule.id.slice(0, 8)}).`;
    await ctx.reply({ text, blocks: [section(mrkdwn`${text}`)] });
    return;
  }
  const { poll, posted } = await service.create(request, ctx.event.sender.userId);
  const total = posted.native + posted.buttons + posted.numbered;
  const how = [
    posted.native ? `${posted.native} as a native poll` : '',
    posted.buttons ? `${posted.buttons} with buttons` : '',
    posted.numbered ? `${posted.numbered} as numbered text` : '',
  ].filter(Boolean);
  const id = shortId(poll.id);
  const closing = poll.closesAt
    ? `It closes ${formatTime(poll.closesAt, ctx.services.config.SCHEDULE_TIMEZONE)}; results come here then.`
    : `It stays open until you send \`/hearth poll close ${id}\`.`;
  const text =
    total === 0
      ? `Poll \`${id}\` created, but its audience has nobody to send it to yet. ${closing}`
      : `Poll \`${id}\` "${poll.question}" posted to ${total} ${total === 1 ? 'chat' : 'chats'} (${how.join(', ')}). ${closing}`;
  await ctx.reply({ text, blocks: [section(mrkdwn`${text}`)] });
}

async function findOne(service: PollService, ref: string): Promise<PollRecord> {
  if (!ref.trim()) throw new UserFacingError('Say which poll: its id from /hearth polls.');
  const found = await service.store.findByPrefix(ref);
  if (found.length === 0) throw new UserFacingError(`No poll with id "${ref.trim()}". See /hearth polls.`);
  if (found.length > 1)
    throw new UserFacingError(`"${ref.trim()}" matches several polls; give more of the id.`);
  return found[0] as PollRecord;
}

async function closePoll(ctx: HearthContext, service: PollService, ref: string): Promise<void> {
  const poll = await findOne(service, ref);
  if (poll.status === 'closed') {
    await ctx.reply(`Poll \`${shortId(poll.id)}\` is already closed.`);
    return;
  }
  const closed = await service.close(poll.id, 'owner');
  if (!closed) {
    await ctx.reply(`Poll \`${shortId(poll.id)}\` was closed a moment ago.`);
    return;
  }
  // The results themselves reach this channel with the others.
  await ctx.reply(
    `Closed poll \`${shortId(poll.id)}\`: ${closed.tally.voters} voted. Results are on their way to ${closed.resultChats} ${closed.resultChats === 1 ? 'chat' : 'chats'}.`,
  );
}

async function showResults(ctx: HearthContext, service: PollService, ref: string): Promise<void> {
  const poll = await findOne(service, ref);
  await ctx.reply(await service.results(poll));
}

async function listPolls(ctx: HearthContext, service: PollService): Promise<void> {
  const polls = await service.store.recent(LIST_LIMIT);
  if (polls.length === 0) {
    await ctx.reply('No polls yet. Start one with /hearth poll "Question?" "Option A" "Option B".');
    return;
  }
  const voters = await service.store.voterCounts(polls.map((p) => p.id));
  const recipients = await service.recipientCounts(polls.map((p) => p.id));
  const line = (p: PollRecord) => {
    const n = voters.get(p.id) ?? 0;
    const sent = recipients.get(p.id) ?? 0;
    const state = p.status === 'open' ? '🟢' : '⚪';
    const when =
      p.status === 'closed'
        ? `closed ${p.closedAt ? formatTime(p.closedAt, ctx.services.config.SCHEDULE_TIMEZONE) : ''}`
        : p.closesAt
          ? `closes ${formatTime(p.closesAt, ctx.services.config.SCHEDULE_TIMEZONE)}`
          : 'open until closed';
    return `\`${shortId(p.id)}\` ${state} ${p.question} — ${n} voted, posted to ${sent} ${sent === 1 ? 'chat' : 'chats'}, ${when}`;
  };
  const open = polls.filter((p) => p.status === 'open').map(line);
  const closed = polls.filter((p) => p.status === 'closed').map(line);
  const sections: [string, string[]][] = [['Open', open.length ? open : ['none']]];
  if (closed.length) sections.push(['Closed', closed]);
  const text = `Polls (newest first):\n${sections.map(([label, lines]) => `*${label}*\n${lines.join('\n')}`).join('\n')}`;
  await ctx.reply({
    text,
    blocks: [
      header('Polls'),
      ...sections.map(([label, lines]) => section(mrkdwn`*${label}*\n${lines.join('\n')}`)),
    ],
  });
}
