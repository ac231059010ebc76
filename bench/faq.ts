/**
 * FAQ benchmark: `npm run bench:faq -- <file.json> [--errors] [--learn]`.
 *
 * Scores what the bot does with each message (support/decide.ts: answer, ask back, hand over or
 * reply kindly) on a file in the format of shared/bench/faq (CLINC150-derived, CC BY 3.0: Larson et
 * al., EMNLP-IJCNLP 2019; synthetic answers, never indexed) or shared/bench/faq-smb (hand-written
 * shops; answers indexed), then measures per-message latency on a 5,000-entry index made by
 * recombining the file's phrasings under fresh ids. `--learn` replays the messages as a stream in
 * which every handed-over in-scope message is linked by an owner to its entry, and every customer's
 * pick is confirmed by an owner's click, and reports the figures over the second half (with
 * `--errors`, the misses of that second half).
 * Prints human-readable lines, then, last, one JSON line with the figures.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ConversationReader } from '../src/features/support/conversation.ts';
import { DEFAULT_DECISION_SETTINGS, decide, type SupportDecision } from '../src/features/support/decide.ts';
import { type FaqDocument, FaqMatcher, type MatcherSettings } from '../src/features/support/matcher.ts';
import { wordVectors } from '../src/features/support/matcher-embeddings.ts';
import { type BenchQuery, loadBenchFile } from './faq-file.ts';
import { scoreDecisions, type Tally } from './faq-score.ts';
import { seededRandom } from './seeded-random.ts';

const SYNTHETIC_ENTRIES = 5000;
/**
 * Latency rounds over all queries. The machine may be shared (other processes steal the CPU), so
 * the reported p99 is the median of the rounds' p99s; every round's figure is printed too.
 */
const LATENCY_ROUNDS = 5;

function fail(message: string): never {
  console.error(`bench:faq: ${message}`);
  console.error(
    'usage: npm run bench:faq -- <file.json> [--errors] [--learn] [--no-answers|--no-spelling|--no-reader|--no-ask|--no-clauses] [--ask-at=X] [--answer-at=X]',
  );
  process.exit(1);
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Splices the start of one phrasing onto the end of another, with a word dropped now and then. */
function recombine(first: string, second: string, random: () => number): string {
  const head = first.split(' ');
  const tail = second.split(' ');
  const words = [
    ...head.slice(0, Math.max(1, Math.ceil(head.length / 2))),
    ...tail.slice(Math.floor(tail.length / 2)),
  ];
  if (words.length > 3 && random() < 0.3) words.splice(Math.floor(random() * words.length), 1);
  return words.join(' ');
}

/**
 * A FAQ of `count` entries with fresh ids, made by recombining the file's phrasings; each gets an
 * answer (recombined from the file's answers, or from four phrasings when the file has none), since
 * the bot indexes answers too.
 */
function syntheticFaq(faq: readonly FaqDocument[], count: number): FaqDocument[] {
  const random = seededRandom(20_191_103);
  const phrasings = faq.flatMap((entry) => [entry.question, ...entry.alternatives]);
  const answers = faq.flatMap((entry) => (entry.answer ? [entry.answer] : []));
  const entries: FaqDocument[] = [];
  for (let i = 0; i < count; i++) {
    const phrase = () => recombine(pick(phrasings, random), pick(phrasings, random), random);
    const answer =
      answers.length > 0
        ? recombine(pick(answers, random), pick(answers, random), random)
        : [phrase(), phrase(), phrase(), phrase()].join('. ');
    entries.push({ id: `synthetic-${i}`, question: phrase(), alternatives: [phrase(), phrase()], answer });
  }
  return entries;
}

function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return 0;
  const rank = Math.min(sortedValues.length - 1, Math.ceil(fraction * sortedValues.length) - 1);
  return sortedValues[Math.max(0, rank)] ?? 0;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** Adds the message as a phrasing of its entry (what an owner's link or click does in the bot). */
function learnPhrasing(matcher: FaqMatcher, faq: Map<string, FaqDocument>, id: string, text: string): void {
  const entry = faq.get(id);
  if (!entry) return;
  const updated = { ...entry, alternatives: [...entry.alternatives, text] };
  faq.set(id, updated);
  matcher.upsert(updated);
}

/** True when the bot's reaction to an in-scope message leads to it being linked to its entry. */
function leadsToLink(decision: SupportDecision, expected: string): boolean {
  if (decision.outcome === 'answer') return decision.entryId !== expected; // 👎, then handed over
  if (decision.outcome === 'ask') return true; // picked (an owner clicks) or "something else" (linked)
  return true;
}

/** A reader that sees every message as a question (the --no-reader ablation). */
class PlainReader extends ConversationReader {
  override read(text: string) {
    return {
      smallTalk: null,
      urgent: false,
      complaint: false,
      askedDays: [],
      jobEnquiry: false,
      question: text,
    };
  }
}

function tallyLine(name: string, tally: Tally): string {
  return (
    `${name}: resolved in scope ${tally.resolvedInScope}, wrong ${tally.wrongRate}, out-of-scope handled ` +
    `${tally.oosHandled}, asked back ${tally.askBackRate}, answered ${tally.answerRate}`
  );
}

/**
 * Latency on a FAQ of SYNTHETIC_ENTRIES entries recombined from the file's: the median of the
 * rounds' p99 (wall time), with CPU time per match alongside.
 */
function measureLatency(
  faq: readonly FaqDocument[],
  queries: readonly BenchQuery[],
  reader: ConversationReader,
  aboutProblems: (id: string) => boolean,
  matcherSettings: Partial<MatcherSettings>,
) {
  const synthetic = syntheticFaq(faq, SYNTHETIC_ENTRIES);
  const largeMatcher = new FaqMatcher(matcherSettings);
  const buildStart = performance.now();
  largeMatcher.replaceAll(synthetic);
  const buildMs = performance.now() - buildStart;
  for (const query of queries.slice(0, 50)) decide(query.text, largeMatcher, reader, aboutProblems);
  const latencies: number[] = [];
  /** CPU time per match: unlike wall time, not inflated when other processes take the cores. */
  const cpuTimes: number[] = [];
  const roundP99s: number[] = [];
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const roundLatencies: number[] = [];
    for (const query of queries) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      decide(query.text, largeMatcher, reader, aboutProblems);
      roundLatencies.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    roundLatencies.sort((a, b) => a - b);
    roundP99s.push(percentile(roundLatencies, 0.99));
    latencies.push(...roundLatencies);
  }
  latencies.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const sortedRoundP99s = [...roundP99s].sort((a, b) => a - b);
  const medianRoundP99 = sortedRoundP99s[Math.floor(sortedRoundP99s.length / 2)] ?? 0;

  return { medianRoundP99, latencies, cpuTimes, roundP99s, buildMs };
}

function main(): void {
  const args = process.argv.slice(2);
  const path = args.find((arg) => !arg.startsWith('--'));
  const showErrors = args.includes('--errors');
  const learn = args.includes('--learn');
  if (!path) fail('missing the bench file argument');
  const loaded = loadBenchFile(path, fail);
  const { queries } = loaded;
  // Ablations, to see what each part contributes: without the answers, the spelling corrector,
  // the conversation reader (small talk, urgent, complaints), asking back, or asking back about a
  // message's best clause.
  const noAnswers = args.includes('--no-answers');
  const faq: FaqDocument[] = noAnswers
    ? loaded.faq.map((entry) => ({
        id: entry.id,
        question: entry.question,
        alternatives: entry.alternatives,
      }))
    : loaded.faq;
  const realAnswers = loaded.realAnswers && !noAnswers;
  const matcherSettings = args.includes('--no-spelling') ? { correctSpelling: false } : {};
  const decision = { ...DEFAULT_DECISION_SETTINGS, ...thresholdFlags(args) };
  if (args.includes('--no-ask')) decision.askAt = 2;
  if (args.includes('--no-clauses')) decision.clauseMargin = Number.POSITIVE_INFINITY;

  const matcher = new FaqMatcher(matcherSettings);
  matcher.replaceAll(faq);
  const reader = args.includes('--no-reader') ? new PlainReader() : new ConversationReader();
  const byId = new Map(faq.map((entry) => [entry.id, entry]));
  const aboutProblems = (id: string) => {
    const entry = byId.get(id);
    return entry ? reader.isAboutProblems(`${entry.question} ${entry.answer ?? ''}`) : false;
  };

  let correct = 0;
  let inScope = 0;
  let inScopeCorrect = 0;
  let outOfScope = 0;
  let abstained = 0;
  let abstainedCorrectly = 0;
  const decisions: { expected: string | null; decision: SupportDecision }[] = [];
  for (const query of queries) {
    const result = matcher.match(query.text);
    const right = query.expected === null ? result.abstained : result.entryId === query.expected;
    if (right) correct++;
    if (query.expected === null) outOfScope++;
    else {
      inScope++;
      if (right) inScopeCorrect++;
    }
    if (result.abstained) {
      abstained++;
      if (query.expected === null) abstainedCorrectly++;
    }
    const decided = decide(query.text, matcher, reader, aboutProblems, decision);
    decisions.push({ expected: query.expected, decision: decided });
    if (showErrors && !learn) printError(query, decided);
  }
  const tally = scoreDecisions(decisions);

  let learned: Tally | undefined;
  if (learn) {
    const stream = new FaqMatcher(matcherSettings);
    const streamFaq = new Map(faq.map((entry) => [entry.id, { ...entry }]));
    stream.replaceAll(faq);
    const second: typeof decisions = [];
    queries.forEach((query, i) => {
      const decided = decide(query.text, stream, reader, aboutProblems, decision);
      if (i >= queries.length / 2) {
        second.push({ expected: query.expected, decision: decided });
        if (showErrors) printError(query, decided);
      }
      if (query.expected !== null && leadsToLink(decided, query.expected)) {
        learnPhrasing(stream, streamFaq, query.expected, query.text);
      }
    });
    learned = scoreDecisions(second);
  }

  const latency = args.includes('--no-latency')
    ? null
    : measureLatency(faq, queries, reader, aboutProblems, matcherSettings);
  const figures = {
    overall: round(correct / queries.length),
    resolvedInScope: tally.resolvedInScope,
    wrongRate: tally.wrongRate,
    oosHandled: tally.oosHandled,
    askBackRate: tally.askBackRate,
    answerRate: tally.answerRate,
    ...(learned
      ? {
          learnSecondHalf: {
            resolvedInScope: learned.resolvedInScope,
            wrongRate: learned.wrongRate,
            oosHandled: learned.oosHandled,
            askBackRate: learned.askBackRate,
          },
        }
      : {}),
    inScopeTop1: round(inScope > 0 ? inScopeCorrect / inScope : 0),
    abstainPrecision: round(abstained > 0 ? abstainedCorrectly / abstained : 0),
    abstainRecall: round(outOfScope > 0 ? abstainedCorrectly / outOfScope : 0),
    ...(latency
      ? { p99Ms: round(latency.medianRoundP99, 3), cpuP99Ms: round(percentile(latency.cpuTimes, 0.99), 3) }
      : {}),
    entries: faq.length,
    queries: queries.length,
    answersIndexed: realAnswers,
  };
  console.log(`file: ${path}`);
  console.log(
    `entries: ${faq.length}, queries: ${queries.length} (${inScope} in scope, ${outOfScope} out of scope)`,
  );
  console.log(tallyLine('three outcomes', tally));
  if (learned) console.log(tallyLine('--learn, second half', learned));
  console.log(`overall accuracy (top entry answered or handed over, as before): ${figures.overall}`);
  console.log(`in-scope top-1: ${figures.inScopeTop1}`);
  console.log(
    `abstained: ${abstained}; precision ${figures.abstainPrecision}, recall ${figures.abstainRecall}`,
  );
  if (latency) {
    const { latencies, cpuTimes, roundP99s, buildMs } = latency;
    console.log(
      `latency on ${SYNTHETIC_ENTRIES} synthetic entries (built in ${buildMs.toFixed(0)} ms), ${latencies.length} matches: ` +
        `p50 ${percentile(latencies, 0.5).toFixed(3)} ms, p99 of all ${percentile(latencies, 0.99).toFixed(3)} ms, ` +
        `p99 per round ${roundP99s.map((value) => value.toFixed(3)).join(' / ')} (median ${latency.medianRoundP99.toFixed(3)} ms), ` +
        `max ${(latencies.at(-1) ?? 0).toFixed(3)} ms, load average ${loadavg()[0]?.toFixed(2)}; ` +
        `CPU time per match p50 ${percentile(cpuTimes, 0.5).toFixed(3)} ms, p99 ${percentile(cpuTimes, 0.99).toFixed(3)} ms`,
    );
  }
  const vectors = wordVectors();
  console.log(
    `word vectors: ${vectors ? `${vectors.rows.size} words loaded in ${vectors.loadMs.toFixed(0)} ms` : 'not loaded'}; ` +
      `RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
  console.log(JSON.stringify(figures));
}

/** `--ask-at=X` and `--answer-at=X` (bench only): other thresholds than decide.ts's, to see the trade-off. */
function thresholdFlags(args: readonly string[]): Partial<typeof DEFAULT_DECISION_SETTINGS> {
  const value = (name: string) => {
    const found = args.find((arg) => arg.startsWith(`--${name}=`));
    const number = found ? Number(found.slice(name.length + 3)) : Number.NaN;
    return Number.isFinite(number) ? number : undefined;
  };
  const askAt = value('ask-at');
  const answerAt = value('answer-at');
  return { ...(askAt === undefined ? {} : { askAt }), ...(answerAt === undefined ? {} : { answerAt }) };
}

function printError(query: BenchQuery, decision: SupportDecision): void {
  const expected = query.expected ?? '(person)';
  let got: string;
  let ok: boolean;
  if (decision.outcome === 'answer') {
    got = `answer ${decision.entryId}`;
    ok = decision.entryId === query.expected;
  } else if (decision.outcome === 'ask') {
    got = `ask ${decision.choices.join('/')}`;
    ok = query.expected !== null && decision.choices.includes(query.expected);
  } else if (decision.outcome === 'handoff') {
    got = `handoff ${decision.reason} [${decision.match?.candidates.map((c) => c.id).join(' ') ?? ''}]`;
    ok = query.expected === null;
  } else {
    got = `reply ${decision.kind}`;
    ok = query.expected === null;
  }
  if (!ok) console.log(`  miss  expected=${expected}  got=${got}  "${query.text}"`);
}

main();
