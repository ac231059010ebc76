import { createHash } from 'node:crypto';
import type { Button, PollContent } from '../../src/core/outbound.ts';
import { splitText } from '../../src/core/split-text.ts';

/** Discord's limits (discord-x.md A2, A3, A4). */
export const DISCORD_LIMITS = {
  text: 2000,
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
  pollQuestion: 300,
  pollAnswer: 55,
  pollAnswers: 10,
  pollHoursMax: 768,
  nonce: 25,
} as const;

/** No pings: no @everyone, @here, role or user mention acts unless a message asks for one. */
export const NO_MENTIONS = { parse: [] as string[] };
/** An owner's broadcast that asked to ping everyone: @everyone acts, nothing else does. */
export const EVERYONE = { parse: ['everyone'] };
const EVERYONE_PREFIX = '@everyone ';

/**
 * Pieces of an owner's broadcast that pings everyone: `@everyone` (unescaped, so it acts) leads the
 * first piece, or is a piece of its own when the first is full. The rest stays escaped.
 */
export function withEveryone(pieces: string[]): string[] {
  const [first, ...rest] = pieces;
  if (first === undefined) return ['@everyone'];
  return EVERYONE_PREFIX.length + first.length <= DISCORD_LIMITS.text
    ? [`${EVERYONE_PREFIX}${first}`, ...rest]
    : ['@everyone', first, ...rest];
}

/**
 * A web address in a text, kept exactly as written (a backslash in it would become part of the link
 * Discord makes of it). It holds no `<>[]` (mentions, masked links), backtick or backslash, and round
 * brackets only in pairs (`…/Bread_(food)`), so the `(` `)` around a URL stay text and are escaped.
 */
const URL_TOKEN = /https?:\/\/(?:[^\s<>()[\]`\\]|\([^\s<>()[\]`\\]*\))+/gi;
/** An address with `@everyone` or `@here` in it is escaped like text: they must never act. */
const MASS_MENTION = /@(?:everyone|here)/i;

/**
 * Customer text made inert for Discord's markdown: every character that could start formatting, a
 * masked link (`[label](url)`), a mention or a timestamp (`<@id>`, `<t:…>`), a heading, quote or list
 * gets a backslash, which Discord renders away. Web addresses are left as written, so their links
 * work. A member reads exactly the text that was written.
 */
export function escapeDiscord(text: string): string {
  let escaped = '';
  let done = 0;
  for (const match of text.matchAll(URL_TOKEN)) {
    const url = match[0];
    escaped += escapeMarks(text.slice(done, match.index)) + (MASS_MENTION.test(url) ? escapeMarks(url) : url);
    done = match.index + url.length;
  }
  escaped += escapeMarks(text.slice(done));
  return escaped
    .replace(/^([ \t]*)([#\-+])/gm, (_m, space: string, mark: string) => `${space}\\${mark}`)
    .replace(/^([ \t]*\d+)\./gm, (_m, number: string) => `${number}\\.`);
}

/** Text outside web addresses: a backslash before every character that could mean markdown. */
function escapeMarks(text: string): string {
  return text.replace(/[\\*_~`|[\]()<>@]/g, (c) => `\\${c}`);
}

/**
 * A text in pieces Discord takes (at most 2,000 characters each after escaping), split at
 * paragraphs, lines or words of the plain text.
 */
export function discordPieces(text: string): string[] {
  const pieces: string[] = [];
  for (const piece of splitText(text, DISCORD_LIMITS.text)) {
    const escaped = escapeDiscord(piece);
    if (escaped.length <= DISCORD_LIMITS.text) pieces.push(escaped);
    else pieces.push(...splitText(piece, Math.floor(DISCORD_LIMITS.text / 2)).map(escapeDiscord));
  }
  return pieces;
}

/** A nonce (≤ 25 characters) that is the same for every attempt of one piece of one outbox row. */
export function nonceFor(outboxId: string, piece: number): string {
  return createHash('sha256').update(`${outboxId}#${piece}`).digest('base64url').slice(0, 22);
}

/**
 * Button payloads in custom_id (at most 100 characters): `actionId|value` as is when it fits, else
 * `#<hash>` looked up in a bounded in-process table (a press on an expired one is ignored).
 */
export class CustomIdCodec {
  private readonly long = new Map<string, { actionId: string; value?: string }>();

  constructor(private readonly capacity = 10_000) {}

  encode(actionId: string, value?: string): string {
    const plain = value === undefined ? actionId : `${actionId}|${value}`;
    if (
      plain.length <= DISCORD_LIMITS.customId &&
      plain.length > 0 &&
      !actionId.includes('|') &&
      !plain.startsWith('#')
    )
      return plain;
    const key = `#${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}`;
    this.long.delete(key);
    this.long.set(key, value === undefined ? { actionId } : { actionId, value });
    if (this.long.size > this.capacity) {
      const oldest = this.long.keys().next().value;
      if (oldest !== undefined) this.long.delete(oldest);
    }
    return key;
  }

  decode(customId: string): { actionId: string; value?: string } | null {
    if (customId.startsWith('#')) return this.long.get(customId) ?? null;
    const bar = customId.indexOf('|');
    return bar < 0
      ? { actionId: customId }
      : { actionId: customId.slice(0, bar), value: customId.slice(bar + 1) };
  }
}

/** Rows of Hearth buttons as Discord action rows (5 buttons a row, 5 rows; links open URLs). */
export function actionRows(rows: Button[][], codec: CustomIdCodec): unknown[] {
  return rows
    .filter((row) => row.length > 0)
    .flatMap((row) => chunk(row, DISCORD_LIMITS.buttonsPerRow))
    .slice(0, DISCORD_LIMITS.rows)
    .map((row) => ({
      type: 1,
      components: row.map((button) => {
        const label = clip(button.label, DISCORD_LIMITS.buttonLabel);
        return button.url
          ? { type: 2, style: 5, label, url: button.url }
          : { type: 2, style: 2, label, custom_id: codec.encode(button.actionId, button.value) };
      }),
    }));
}

/**
 * A native poll's body: question ≤ 300, ≤ 10 answers of ≤ 55, open until `closesAt` (1-768 h). A poll
 * without a closing time stays open as long as Discord allows (768 h): Hearth's close ends it early.
 */
export function pollBody(poll: PollContent, now: number): Record<string, unknown> {
  const longest = DISCORD_LIMITS.pollHoursMax;
  const hours = poll.closesAt ? Math.ceil((Date.parse(poll.closesAt) - now) / 3_600_000) : longest;
  return {
    question: { text: clip(poll.question, DISCORD_LIMITS.pollQuestion) },
    answers: poll.options
      .slice(0, DISCORD_LIMITS.pollAnswers)
      .map((option) => ({ poll_media: { text: clip(option, DISCORD_LIMITS.pollAnswer) } })),
    duration: Math.min(longest, Math.max(1, Number.isFinite(hours) ? hours : longest)),
    allow_multiselect: poll.multi,
    layout_type: 1,
  };
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
