import { type Block, context, divider, fields, header, Mrkdwn, mrkdwn, section } from '../../core/blocks.ts';
import type { Button, OutboundContent } from '../../core/outbound.ts';
import { dayAndTime } from '../../scheduler/describe.ts';
import type { MetricsReport, Period, PlatformStats } from './report.ts';

const BARS = '▁▂▃▄▅▆▇█';

/** A text sparkline (▁▂▃▅█) of a series; flat series draw a flat line. */
export function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min;
  return values
    .map((v) => BARS[span === 0 ? 3 : Math.round(((v - min) / span) * (BARS.length - 1))] ?? '▁')
    .join('');
}

/** "1 h 5 min", "3 min", "40 s"; "n/a" when nothing was answered. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const PERIOD_LABEL: Record<Period, string> = {
  day: 'last 24 hours',
  week: 'last 7 days',
  month: 'last 30 days',
};

/** What each figure counts, defined once; the report's footnote. */
export const STATS_FOOTNOTE = [
  'Asked: new questions from customers (not small talk, not follow-ups to a question already with the team).',
  'Each asked question is counted once, by how it ended: answered automatically (an FAQ answer, not marked 👎),',
  'handed off (to a person: at once, after a 👎, or after "none of these"), or asked back without a pick yet.',
  'Handoffs: answered (a person replied), waiting (open, no reply yet), resolved without a reply.',
].join(' ');

function questionsFigure(s: PlatformStats): string {
  return (
    `${s.questionsAsked} asked = ${s.answeredAutomatically} answered automatically + ${s.handedOff} handed off` +
    ` + ${s.askedBackNoPick} asked back, no pick`
  );
}

function handoffsFigure(report: MetricsReport): string {
  return (
    `${report.humanAnswered} answered (median first answer ${formatDuration(report.medianFirstHumanAnswerMs)}), ` +
    `${report.unansweredHandoffs} waiting, ${report.resolvedWithoutReply} resolved without a reply`
  );
}

function platformLine(s: PlatformStats): Mrkdwn {
  const figures =
    `${s.members} members (${signed(s.newMembers)} new), ${s.subscribers} subscribers ` +
    `(${signed(s.netGrowth)} net: +${s.subscribed} / -${s.unsubscribed}), questions ${questionsFigure(s)}, broadcasts ` +
    `${s.broadcastDelivered} delivered / ${s.broadcastFailed} failed, ${s.pollVotes} poll votes`;
  return mrkdwn`*${s.platform}*: ${figures}`;
}

/** The report as plain lines: the `text` fallback of the Block Kit message, and the console's view. */
export function reportLines(report: MetricsReport): string[] {
  const t = report.totals;
  const lines = [
    `Members: ${t.members} (${signed(t.newMembers)} new)`,
    `Subscribers: ${t.subscribers} (net ${signed(t.netGrowth)}: +${t.subscribed} / -${t.unsubscribed})`,
    `Questions: ${questionsFigure(t)}`,
    `Handoffs: ${handoffsFigure(report)}`,
    `Broadcasts: ${t.broadcastDelivered} delivered, ${t.broadcastFailed} failed`,
    `Other messages: ${t.otherSent} sent, ${t.otherFailed} failed`,
    `Polls: ${t.pollVotes} votes by ${t.pollVoters} members in ${report.pollsVotedIn} polls`,
    `Subscriber growth: ${sparkline(report.subscriberSeries)} (${report.subscriberSeries.join(' → ')})`,
  ];
  if (report.topUnanswered.length > 0) {
    lines.push('Top unanswered questions:');
    for (const q of report.topUnanswered) lines.push(`  ${q.count}× ${q.question}`);
  }
  if (report.phrasingsWaiting.count > 0) {
    lines.push(`${waitingTitle(report)}:`);
    for (const w of report.phrasingsWaiting.top) lines.push(`  ${waitingLine(w)}`);
  }
  lines.push(`Notes: ${STATS_FOOTNOTE}`);
  return lines;
}

function waitingTitle(report: MetricsReport): string {
  return `Customer wordings waiting for your click (${report.phrasingsWaiting.count})`;
}

function waitingLine(w: { text: string; faqQuestion: string; confirmations: number }): string {
  return `“${w.text.slice(0, 120)}” → ${w.faqQuestion.slice(0, 80)} (${w.confirmations}×)`;
}

export interface RenderOptions {
  title?: string;
  /** Add Day / Week / Month buttons that switch the period (action `hearth.stats`). */
  periodButtons?: boolean;
  /** The business's timezone: the window is shown in it, in words (default UTC). */
  timezone?: string;
  /** What platforms that bill per message cost this week (usageLines). */
  usage?: string[];
}

export const STATS_ACTION = 'hearth.stats';

/** The report as a Block Kit message with a plain-text fallback. */
export function renderReport(report: MetricsReport, options: RenderOptions = {}): OutboundContent {
  const title = options.title ?? `Hearth stats, ${PERIOD_LABEL[report.period]}`;
  const lines = [...reportLines(report), ...(options.usage ?? [])];
  const t = report.totals;
  const figures = [
    ['Members', `${t.members} (${signed(t.newMembers)} new)`],
    ['Subscribers', `${t.subscribers} (net ${signed(t.netGrowth)})`],
    ['Questions', questionsFigure(t)],
    ['Handoffs', handoffsFigure(report)],
    ['Broadcasts delivered / failed', `${t.broadcastDelivered} / ${t.broadcastFailed}`],
    ['Poll votes / voters', `${t.pollVotes} / ${t.pollVoters}`],
    ['Polls voted in', String(report.pollsVotedIn)],
  ].map(([label = '', value = '']) => mrkdwn`*${label}*\n${value}`);
  const blocks: Block[] = [
    header(title),
    fields(figures),
    section(
      mrkdwn`*Subscriber growth* ${sparkline(report.subscriberSeries)}  (${report.subscriberSeries.join(' → ')})`,
    ),
  ];
  if (report.platforms.length > 0) {
    blocks.push(divider(), section(Mrkdwn.join(report.platforms.map(platformLine))));
  }
  if (report.topUnanswered.length > 0) {
    // Customers' own words: interpolated, so escaped (never a mention or a link in the owners' channel).
    const top = Mrkdwn.join(report.topUnanswered.map((q) => mrkdwn`• ${q.count}× ${q.question}`));
    blocks.push(section(mrkdwn`*Top unanswered questions*\n${top}`));
  }
  if (report.phrasingsWaiting.count > 0) {
    // Customers' wordings: interpolated, so escaped.
    const waiting = Mrkdwn.join(report.phrasingsWaiting.top.map((w) => mrkdwn`• ${waitingLine(w)}`));
    blocks.push(section(mrkdwn`*${waitingTitle(report)}* (/hearth faq pending)\n${waiting}`));
  }
  if (options.usage?.length) {
    blocks.push(section(mrkdwn`*Platform costs*\n${options.usage.join('\n')}`));
  }
  const zone = options.timezone ?? 'UTC';
  const span = `${dayAndTime(report.from, zone, report.to)} – ${dayAndTime(report.to, zone, report.to)} ${zone}`;
  blocks.push(context(mrkdwn`${span}. ${STATS_FOOTNOTE}`));
  const buttons: Button[][] | undefined = options.periodButtons
    ? [(['day', 'week', 'month'] as const).map((p) => ({ actionId: STATS_ACTION, label: p, value: p }))]
    : undefined;
  return { text: `${title} (${span})\n${lines.join('\n')}`, blocks, ...(buttons ? { buttons } : {}) };
}
