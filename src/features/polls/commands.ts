import type { HearthContext } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { header, mrkdwn, section } from '../../core/blocks.ts';
import { UserFacingError } from '../../core/errors.ts';
import { resolveAudience } from './audience.ts';
import { parsePollRequest } from './parse.ts';
import { formatTime, shortId } from './render.ts';
import { describeAt, POLL_SCHEDULE_KIND, payloadOf } from './schedule.ts';
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
  };
  const polls: OwnerCommand = {
    name: 'polls',
    usage: 'polls',
    summary: 'open and recent polls with how many voted',
    run: (ctx) => listPolls(ctx, service),
  };
  return [poll, polls];
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
    const text = `Poll "${request.question}" scheduled ${describeAt(request.at)} (schedule \`${schedule.id.slice(0, 8)}\`; cancel it with /hearth cancel ${schedule.id.slice(0, 8)}).`;
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
    ? `It closes ${formatTime(poll.closesAt)}; results come here then.`
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
        ? `closed ${p.closedAt ? formatTime(p.closedAt) : ''}`
        : p.closesAt
          ? `closes ${formatTime(p.closesAt)}`
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
