import { UserFacingError } from '../../core/errors.ts';
import { parseWhen, WHEN_GRAMMAR, type When } from '../../scheduler/when.ts';

/** Option count limits every rendering accepts (Telegram and Discord native polls take 2–10). */
export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
/** Telegram caps a poll question at 300 characters and an option at 100. */
export const MAX_QUESTION_LENGTH = 300;
export const MAX_OPTION_LENGTH = 100;

/** A poll as the owner asked for it in `/hearth poll ...`. */
export interface PollRequest {
  question: string;
  options: string[];
  multi: boolean;
  anonymous: boolean;
  /** When the poll closes on its own; undefined = only by `/hearth poll close <id>`. */
  closes?: Closing;
  /** `#channel` names and topic names; empty = every active community channel. */
  targets: string[];
  /** Post later (once) or repeatedly (a weekly poll); undefined = now. */
  at?: When;
}

/** A closing time: a duration after posting (works for scheduled and recurring polls) or an instant. */
export type Closing = { afterMs: number } | { at: Date };

/** The instant a poll posted at `postedAt` closes. */
export function closingTime(closes: Closing | undefined, postedAt: Date): Date | undefined {
  if (!closes) return undefined;
  return 'at' in closes ? closes.at : new Date(postedAt.getTime() + closes.afterMs);
}

const DOUBLE_QUOTES = new Set(['"', '“', '”', '„']);
const SINGLE_QUOTES = new Set(["'", '‘', '’']);

/** One word of the command line; `quoted` tells `"--multi"` (text) from `--multi` (a flag). */
export interface Token {
  text: string;
  quoted: boolean;
}

/**
 * Splits a command line into words; quoted parts ("..." '...' and the curly quotes Slack clients
 * type) stay one word, `\"` escapes a quote. Throws when a quote is never closed.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    // Phones and Slack mix straight and curly quotes: a quote of the same family closes.
    const family = DOUBLE_QUOTES.has(ch) ? DOUBLE_QUOTES : SINGLE_QUOTES.has(ch) ? SINGLE_QUOTES : null;
    if (family) {
      let text = '';
      let j = i + 1;
      while (j < input.length && !family.has(input[j] ?? '')) {
        if (input[j] === '\\' && j + 1 < input.length) j++;
        text += input[j];
        j++;
      }
      if (j >= input.length) throw new UserFacingError(`A quote is not closed: ${input.slice(i, i + 40)}`);
      tokens.push({ text, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < input.length && !/\s/.test(input[j] ?? '')) j++;
    tokens.push({ text: input.slice(i, j), quoted: false });
    i = j;
  }
  return tokens;
}

const UNITS_MS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Reads a closing time: a duration after posting (`30m`, `2h`, `1d`, `1w`, `1h30m`, `in 2h`), or an
 * instant: an ISO date and time (`2026-12-01 18:00`, UTC unless an offset is given) or any one-off
 * time the scheduler reads (`tomorrow 18:00 Europe/Berlin`). An instant must be in the future.
 */
export function parseClosing(text: string, now: Date, timezone = 'UTC'): Closing {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/^in\s+/, '');
  if (/^(?:\d+\s*(?:m|min|h|d|w))+$/.test(value)) {
    let ms = 0;
    for (const part of value.matchAll(/(\d+)\s*(min|m|h|d|w)/g)) {
      ms += Number(part[1]) * (UNITS_MS[part[2] ?? ''] ?? 0);
    }
    if (ms <= 0) throw new UserFacingError(`"${text}" is not a duration after now.`);
    return { afterMs: ms };
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[t ](\d{2}:\d{2}(?::\d{2})?))?(z|[+-]\d{2}:?\d{2})?$/.exec(value);
  let at: Date | undefined;
  if (iso) {
    const offset = iso[3] && iso[3] !== 'z' ? iso[3] : 'Z';
    at = new Date(`${iso[1]}T${iso[2] ?? '00:00'}${offset.toUpperCase()}`);
    if (Number.isNaN(at.getTime())) throw new UserFacingError(`"${text}" is not a valid date.`);
  } else {
    try {
      const { when, rest } = parseWhen(text, now, timezone);
      if (when.kind === 'once' && !rest) at = when.runAt;
    } catch {
      // Not a time the scheduler reads either: answered below.
    }
  }
  if (!at) {
    throw new UserFacingError(
      `I can't read the closing time "${text}". Use a duration like 2h, 1d, 1w or a time like "2026-12-01 18:00" or "tomorrow 18:00 Europe/Berlin".`,
    );
  }
  if (at.getTime() <= now.getTime()) throw new UserFacingError(`"${text}" is in the past.`);
  return { at };
}

/** Reads `--at`: a one-off or recurring time in the scheduler's grammar. */
function parseAt(text: string, now: Date, timezone: string): When {
  // The scheduler reads a cron expression in quotes; the tokenizer took them off.
  const cron = /^[\d*]\S*(?:\s+\S+){4,5}$/.test(text) && !/:/.test(text);
  const { when, rest } = parseWhen(cron ? `"${text}"` : text, now, timezone);
  if (rest)
    throw new UserFacingError(
      `I could not read "${rest}" after the --at time. Say it like one of these:\n${WHEN_GRAMMAR}`,
    );
  if (when.kind === 'once' && when.runAt.getTime() <= now.getTime()) {
    throw new UserFacingError(`"${text}" is in the past.`);
  }
  return when;
}

/**
 * Parses `"Question?" "Option A" "Option B" ... [--multi] [--anonymous] [--closes <when>]
 * [--to <target>...] [--at <when>]`; times without a zone are read in `timezone`.
 */
export function parsePollRequest(args: string, now: Date, timezone = 'UTC'): PollRequest {
  const tokens = tokenize(args);
  const words: string[] = [];
  const targets: string[] = [];
  let multi = false;
  let anonymous = false;
  let closesText: string | undefined;
  let atText: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const flag = !token.quoted && /^(?:--|—)/.test(token.text) ? token.text.replace(/^(?:--|—)/, '') : null;
    if (flag === null) {
      // An unquoted question is a typo's usual shape (`Which cake? Lemon Chocolate`): never guessed.
      if (words.length === 0 && !token.quoted) {
        throw new UserFacingError(
          `Put the question in quotes (and each option with spaces), e.g. "Which cake?" "Lemon" "Chocolate". I read "${token.text.slice(0, 40)}" without quotes.`,
        );
      }
      words.push(token.text);
      continue;
    }
    switch (flag.toLowerCase()) {
      case 'multi':
        multi = true;
        break;
      case 'anonymous':
      case 'anon':
        anonymous = true;
        break;
      case 'closes':
      case 'close': {
        if (closesText !== undefined) throw new UserFacingError('--closes is given twice.');
        closesText = wordsAfter(tokens, i);
        if (!closesText) throw new UserFacingError('--closes needs a time, e.g. --closes 2d.');
        i += countWordsAfter(tokens, i);
        break;
      }
      case 'at': {
        if (atText !== undefined) throw new UserFacingError('--at is given twice.');
        atText = wordsAfter(tokens, i);
        if (!atText)
          throw new UserFacingError(`--at needs a time. Say it like one of these:\n${WHEN_GRAMMAR}`);
        i += countWordsAfter(tokens, i);
        break;
      }
      case 'to': {
        const start = targets.length;
        while (tokens[i + 1] && !isFlag(tokens[i + 1] as Token)) {
          targets.push(...(tokens[i + 1] as Token).text.split(',').filter(Boolean));
          i++;
        }
        if (targets.length === start) throw new UserFacingError('--to needs a topic or a #channel.');
        break;
      }
      default:
        throw new UserFacingError(
          `Unknown option --${flag}. Options: --multi, --anonymous, --closes, --to, --at.`,
        );
    }
  }
  const [question, ...options] = words.map((w) => w.trim());
  if (!question) throw new UserFacingError('Give the question and the options, each in quotes.');
  checkQuestion(question, options);
  const at = atText === undefined ? undefined : parseAt(atText, now, timezone);
  const postedAt = at?.kind === 'once' ? at.runAt : now;
  const closes = closesText === undefined ? undefined : parseClosing(closesText, postedAt, timezone);
  if (closes && 'at' in closes && at?.kind === 'cron') {
    throw new UserFacingError(
      'A repeating poll closes a while after each posting: say --closes 2d, not a date.',
    );
  }
  return {
    question,
    options,
    multi,
    anonymous,
    ...(closes ? { closes } : {}),
    targets: unique(targets),
    ...(at ? { at } : {}),
  };
}

/** The words after a flag up to the next flag, as one text (`--at every monday 09:00`). */
function wordsAfter(tokens: Token[], flagIndex: number): string {
  return tokens
    .slice(flagIndex + 1, flagIndex + 1 + countWordsAfter(tokens, flagIndex))
    .map((t) => t.text)
    .join(' ');
}

function countWordsAfter(tokens: Token[], flagIndex: number): number {
  let n = 0;
  while (tokens[flagIndex + 1 + n] && !isFlag(tokens[flagIndex + 1 + n] as Token)) n++;
  return n;
}

function isFlag(token: Token): boolean {
  return !token.quoted && /^(?:--|—)/.test(token.text);
}

function checkQuestion(question: string, options: string[]): void {
  if (question.length > MAX_QUESTION_LENGTH) {
    throw new UserFacingError(
      `The question is too long (${question.length} > ${MAX_QUESTION_LENGTH} characters).`,
    );
  }
  if (options.length < MIN_OPTIONS) {
    throw new UserFacingError(
      `A poll needs at least ${MIN_OPTIONS} options (got ${options.length}). Put each option in quotes.`,
    );
  }
  if (options.length > MAX_OPTIONS) {
    throw new UserFacingError(`A poll can have at most ${MAX_OPTIONS} options (got ${options.length}).`);
  }
  const seen = new Set<string>();
  for (const option of options) {
    if (!option) throw new UserFacingError('An option is empty.');
    if (option.length > MAX_OPTION_LENGTH) {
      throw new UserFacingError(
        `Option "${option.slice(0, 30)}…" is longer than ${MAX_OPTION_LENGTH} characters.`,
      );
    }
    const key = option.toLowerCase();
    if (seen.has(key)) throw new UserFacingError(`Option "${option}" is given twice.`);
    seen.add(key);
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}
