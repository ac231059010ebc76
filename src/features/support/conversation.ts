import { englishWords } from './matcher-concepts.ts';
import { normalizeText, normalizeWords } from './matcher-text.ts';

/**
 * What kind of message a customer sent, before any FAQ matching: thanks, greetings, goodbyes and
 * acknowledgements get a friendly reply (never an FAQ entry); urgent messages go to a person flagged
 * urgent; complaints go to a person unless the FAQ entry they match is itself about problems.
 * The cue words are general English from data/english-words.json, plus the owners' urgent phrases.
 */

export type ConversationKind = 'thanks' | 'greeting' | 'goodbye' | 'acknowledgement' | 'praise';

export interface MessageReading {
  /** Set when the whole message is small talk. */
  smallTalk: ConversationKind | null;
  urgent: boolean;
  complaint: boolean;
  /**
   * Named holidays ("boxing day", "easter monday") the message asks about opening on: weekly
   * opening hours do not answer that unless the entry names the day (see explainsDays).
   */
  askedDays: string[];
  /** Asks for a job ("are you hiring?"): a person answers, unless an entry is about jobs. */
  jobEnquiry: boolean;
  /** The message without leading greetings and trailing thanks: what the matcher should read. */
  question: string;
}

interface Cues {
  greetings: PhraseSet;
  thanks: PhraseSet;
  goodbyes: PhraseSet;
  acknowledgements: PhraseSet;
  praise: PhraseSet;
  fillers: ReadonlySet<string>;
  complaints: PhraseSet;
  problemWords: PhraseSet;
  urgent: PhraseSet;
  specialDays: PhraseSet;
  openingWords: PhraseSet;
  jobs: PhraseSet;
}

/** Phrases (normalized words joined by spaces) found by whole words in a normalized text. */
class PhraseSet {
  private readonly pattern: RegExp | null;

  constructor(phrases: readonly string[]) {
    const normalized = [...new Set(phrases.map(normalizeWords).filter((phrase) => phrase.length > 0))];
    normalized.sort((a, b) => b.length - a.length);
    this.pattern =
      normalized.length === 0
        ? null
        : new RegExp(
            `(?<![\\p{L}\\p{N}])(?:${normalized.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\p{L}\\p{N}])`,
            'gu',
          );
  }

  has(text: string): boolean {
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }

  /** The phrases of the set found in a text, in order. */
  found(text: string): string[] {
    if (!this.pattern) return [];
    this.pattern.lastIndex = 0;
    return text.match(this.pattern) ?? [];
  }

  /** The text with every phrase of the set removed. */
  strip(text: string): string {
    return this.pattern ? text.replace(this.pattern, ' ') : text;
  }
}

const EMPTY_CONVERSATION = {
  greetings: [],
  thanks: [],
  goodbyes: [],
  acknowledgements: [],
  praise: [],
  fillers: [],
  complaints: [],
  problemWords: [],
  urgent: [],
  specialDays: [],
  openingWords: [],
  jobs: [],
};

let builtIn: Cues | undefined;

function buildCues(extraUrgent: readonly string[]): Cues {
  const lists = { ...EMPTY_CONVERSATION, ...(englishWords().conversation ?? {}) };
  return {
    greetings: new PhraseSet(lists.greetings),
    thanks: new PhraseSet(lists.thanks),
    goodbyes: new PhraseSet(lists.goodbyes),
    acknowledgements: new PhraseSet(lists.acknowledgements),
    praise: new PhraseSet(lists.praise),
    fillers: new Set(lists.fillers.map(normalizeWords)),
    complaints: new PhraseSet(lists.complaints),
    problemWords: new PhraseSet(lists.problemWords),
    urgent: new PhraseSet([...lists.urgent, ...extraUrgent]),
    specialDays: new PhraseSet(lists.specialDays),
    openingWords: new PhraseSet(lists.openingWords),
    jobs: new PhraseSet(lists.jobs),
  };
}

/** Letters of a text, and how many of them are capitals. */
function capitals(text: string): { letters: number; upper: number } {
  let letters = 0;
  let upper = 0;
  for (const char of text) {
    if (/\p{L}/u.test(char)) {
      letters++;
      if (char !== char.toLowerCase()) upper++;
    }
  }
  return { letters, upper };
}

/** "HELP", "help!", "..., help" at the end, "help!" at the start: a cry for help rather than a question. */
const CRY_FOR_HELP = /\bhelp\s*!|(?:^|[.,;:!\u2014-]\s*)help\W*$/iu;
const SHOUTED_HELP = /\bHELP\b/u;
const SHOUTED_DISTRESS = /!|\b(help|now|please|hurry|quick)\b/i;

/** Words that open a question or a request. */
const QUESTION_START =
  /^(?:\S+\s+)?(?:do|does|did|can|could|is|are|was|will|would|what|when|where|how|why|which|who|may|should|any|anything|need|want|have|has|pls|please|i need|i want)\b/;

/** Reads customer messages; one per support feature (owners' urgent phrases are part of it). */
export class ConversationReader {
  private readonly cues: Cues;

  constructor(extraUrgent: readonly string[] = []) {
    if (extraUrgent.length === 0) {
      builtIn ??= buildCues([]);
      this.cues = builtIn;
    } else {
      this.cues = buildCues(extraUrgent);
    }
  }

  read(text: string): MessageReading {
    const raw = typeof text === 'string' ? text.slice(0, 2000) : '';
    // The cues read the message with elongations folded; the matcher reads it as typed.
    const cueText = foldElongations(raw);
    const words = normalizeWords(normalizeText(cueText, 2000));
    const { letters, upper } = capitals(raw);
    const shouting = letters >= 10 && upper / letters >= 0.7;
    const isQuestion = /\?/.test(raw);
    // A shouted statement ("SOMEONE FAINTED OUTSIDE") is distress; a shouted question is just loud.
    const shoutedStatement =
      shouting && !isQuestion && !QUESTION_START.test(normalizeWords(raw)) && words.split(' ').length >= 4;
    const urgent =
      shoutedStatement ||
      this.cues.urgent.has(words) ||
      SHOUTED_HELP.test(cueText) ||
      (CRY_FOR_HELP.test(cueText) &&
        !/\b(you|u|anyone|someone|somebody|can|could)\s+help\W*$/i.test(cueText)) ||
      (shouting && SHOUTED_DISTRESS.test(cueText));
    const c = this.cues;
    let rest = words;
    for (const set of [c.praise, c.thanks, c.greetings, c.goodbyes, c.acknowledgements])
      rest = set.strip(rest);
    const leftover = rest
      .split(' ')
      .filter((word) => word.length > 0 && !c.fillers.has(word) && !/^\d+(?:am|pm)?$/.test(word));
    let smallTalk: ConversationKind | null = null;
    if (!urgent && leftover.length === 0 && words.length > 0) {
      if (c.thanks.has(words)) smallTalk = 'thanks';
      else if (c.praise.has(words)) smallTalk = 'praise';
      else if (c.goodbyes.has(words)) smallTalk = 'goodbye';
      else if (c.greetings.has(words)) smallTalk = 'greeting';
      else if (!isQuestion || words.split(' ').length <= 2) smallTalk = 'acknowledgement';
    }
    const complaint = c.complaints.has(words);
    // Thanks or praise with a remark ("thank you, the cake was amazing") is still thanks, unless it
    // asks something or complains.
    if (!smallTalk && !urgent && !complaint && !isQuestion && !QUESTION_START.test(words)) {
      if (c.thanks.has(words)) smallTalk = 'thanks';
      else if (c.praise.has(words)) smallTalk = 'praise';
    }
    return {
      smallTalk,
      urgent,
      complaint,
      askedDays: c.openingWords.has(words) ? [...new Set(c.specialDays.found(words))] : [],
      jobEnquiry: c.jobs.has(words),
      question: stripPleasantries(raw),
    };
  }

  /**
   * True when an entry's text names one of the days asked about, or names holidays in general and
   * the question asks about a public or bank holiday.
   */
  explainsDays(text: string, days: readonly string[]): boolean {
    const words = normalizeWords(normalizeText(text, 4000));
    const named = new Set(this.cues.specialDays.found(words).map(dayKey));
    if (days.some((day) => named.has(dayKey(day)))) return true;
    return days.some((day) => /holiday/.test(day)) && /\bholidays?\b/.test(words);
  }

  /** True when an entry's text is about jobs (so it may answer a job enquiry). */
  isAboutJobs(text: string): boolean {
    return this.cues.jobs.has(normalizeWords(normalizeText(text, 4000)));
  }

  /** True when an FAQ entry's text is itself about problems (so it may answer a complaint). */
  isAboutProblems(text: string): boolean {
    return this.cues.problemWords.has(normalizeWords(normalizeText(text, 4000)));
  }
}

/** "valentine s day", "valentines day" and "valentines" name the same day. */
function dayKey(day: string): string {
  return day
    .replace(/\b(?:s|day)\b/g, '')
    .replace(/\s+/g, '')
    .replace(/s$/, '');
}

/**
 * Letters typed three times or more read as one ("hiii", "thanksss", "HELPPP"): no English word
 * has a letter three times in a row, and the cue lists hold the plain spelling.
 */
function foldElongations(text: string): string {
  return text.replace(/(\p{L})\1{2,}/gu, '$1');
}

/** Leading greetings ("hi quick q -") and trailing thanks are not part of the question. */
const LEADING =
  /^\s*(?:(?:hi+|hel+o+|he+y+|heya|hiya|yo+|good\s+(?:morning|afternoon|evening)|dear\s+\w+)\b[\s,!.:;-]*)+(?:(?:there|guys|all|team|everyone)\b[\s,!.:;-]*)?(?:quick\s+(?:q|question)\b[\s,!.:;?-]*)?/iu;
const TRAILING =
  /[\s,.!-]*(?:(?:thanks+|thank\s+you|thx+|ty|cheers)(?:\s+(?:so\s+much|a\s+lot|in\s+advance))?[\s!.]*)$/iu;

function stripPleasantries(text: string): string {
  const stripped = text.replace(LEADING, '').replace(TRAILING, '').trim();
  return stripped.length > 0 ? stripped : text;
}
