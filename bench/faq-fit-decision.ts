/**
 * Offline fit of the support matcher's small-business decision models (answer; the right entry is
 * among the ask-back choices): `npx tsx bench/faq-fit-decision.ts <shop.json>...`.
 *
 * Runs after bench/faq-fit.ts (the ranker must be final). Uses only files with real answers (the
 * hand-written development shops), whole, with entries dropped at random (a dropped entry's
 * messages become near-miss out-of-scope messages, the hardest kind), and replayed as a stream that
 * learns every in-scope message as a phrasing. Fits a
 * logistic model per label on FaqMatcher.explain's decision features, cross-validated across the
 * files (fit on the others, score the held-out one), then on all of them; prints the constants for
 * DEFAULT_MATCHER_SETTINGS (answerWeights, choiceWeights).
 */
import { ConversationReader } from '../src/features/support/conversation.ts';
import { choicesOf, DEFAULT_DECISION_SETTINGS } from '../src/features/support/decide.ts';
import { FaqMatcher } from '../src/features/support/matcher.ts';
import { type BenchFile, loadBenchFile } from './faq-file.ts';
import { rocAuc } from './faq-score.ts';
import { seededRandom } from './seeded-random.ts';

interface Row {
  file: number;
  x: number[];
  answer: number;
  choice: number;
  /** The message is out of scope (for this FAQ). */
  outOfScope: boolean;
}

const DROPOUT_RUNS = 12;
const reader = new ConversationReader();

/** Messages the decision models never see: the conversation reader answers or hands them over first. */
function readerTakes(text: string): boolean {
  const reading = reader.read(text);
  return reading.urgent || reading.smallTalk !== null;
}

function rowsOf(path: string, file: number): Row[] {
  const data = loadBenchFile(path, (message) => {
    console.error(`faq-fit-decision: ${message}`);
    process.exit(1);
  });
  const rows: Row[] = [];
  const random = seededRandom(7 + file);
  for (let run = 0; run <= DROPOUT_RUNS; run++) {
    const dropped = new Set<string>();
    if (run > 0) {
      const count = 1 + Math.floor(random() * 4);
      while (dropped.size < count) dropped.add(data.faq[Math.floor(random() * data.faq.length)]?.id ?? '');
    }
    const matcher = new FaqMatcher();
    matcher.replaceAll(data.faq.filter((entry) => !dropped.has(entry.id)));
    const queries = run === 0 ? data.queries : data.queries.filter(() => random() < 0.35);
    for (const query of queries) {
      const expected = query.expected !== null && !dropped.has(query.expected) ? query.expected : null;
      if (readerTakes(query.text)) continue;
      const explained = matcher.explain(reader.read(query.text).question);
      if (!explained.decisionFeatures) continue;
      const choices = choicesOf(explained.match.candidates, DEFAULT_DECISION_SETTINGS);
      rows.push({
        file,
        x: explained.decisionFeatures,
        answer: expected !== null && explained.candidates[0]?.id === expected ? 1 : 0,
        choice: expected !== null && choices.includes(expected) ? 1 : 0,
        outOfScope: expected === null,
      });
    }
  }
  rows.push(...streamRows(data, file));
  return rows;
}

/**
 * Rows of the messages replayed as a stream in which every in-scope message then becomes a phrasing
 * of its entry (what owners' links and customers' picks do): the models see FAQs that have learned.
 */
function streamRows(data: BenchFile, file: number): Row[] {
  const rows: Row[] = [];
  const matcher = new FaqMatcher();
  const faq = new Map(data.faq.map((entry) => [entry.id, entry]));
  matcher.replaceAll(data.faq);
  for (const query of data.queries) {
    const explained = matcher.explain(reader.read(query.text).question);
    if (explained.decisionFeatures && !readerTakes(query.text)) {
      const choices = choicesOf(explained.match.candidates, DEFAULT_DECISION_SETTINGS);
      rows.push({
        file,
        x: explained.decisionFeatures,
        answer: query.expected !== null && explained.candidates[0]?.id === query.expected ? 1 : 0,
        choice: query.expected !== null && choices.includes(query.expected) ? 1 : 0,
        outOfScope: query.expected === null,
      });
    }
    const entry = query.expected === null ? undefined : faq.get(query.expected);
    if (entry) {
      const learned = { ...entry, alternatives: [...entry.alternatives, query.text] };
      faq.set(entry.id, learned);
      matcher.upsert(learned);
    }
  }
  return rows;
}

const dot = (w: readonly number[], x: readonly number[]) => x.reduce((sum, v, i) => sum + v * (w[i] ?? 0), 0);

/** Logistic regression (standardised features, L2), folded back to raw weights then bias. */
function fitLogistic(rows: readonly Row[], label: (row: Row) => number): number[] {
  const dims = rows[0]?.x.length ?? 0;
  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const row of rows) {
    for (let d = 0; d < dims; d++) mean[d] = (mean[d] ?? 0) + (row.x[d] ?? 0) / rows.length;
  }
  for (const row of rows) {
    for (let d = 0; d < dims; d++)
      std[d] = (std[d] ?? 0) + ((row.x[d] ?? 0) - (mean[d] ?? 0)) ** 2 / rows.length;
  }
  for (let d = 0; d < dims; d++) std[d] = Math.sqrt(std[d] ?? 0) || 1;
  const xs = rows.map((row) => row.x.map((v, d) => (v - (mean[d] ?? 0)) / (std[d] ?? 1)));
  const w = new Array<number>(dims + 1).fill(0);
  for (let epoch = 0; epoch < 1500; epoch++) {
    const gradient = new Array<number>(dims + 1).fill(0);
    xs.forEach((x, i) => {
      const row = rows[i] as Row;
      const error = 1 / (1 + Math.exp(-(dot(w, x) + (w[dims] ?? 0)))) - label(row);
      for (let d = 0; d < dims; d++) gradient[d] = (gradient[d] ?? 0) + error * (x[d] ?? 0);
      gradient[dims] = (gradient[dims] ?? 0) + error;
    });
    for (let d = 0; d <= dims; d++)
      w[d] = (w[d] ?? 0) - (gradient[d] ?? 0) / rows.length - (d < dims ? 0.01 * (w[d] ?? 0) : 0);
  }
  const raw = w.slice(0, dims).map((v, d) => v / (std[d] ?? 1));
  return [...raw, (w[dims] ?? 0) - raw.reduce((sum, v, d) => sum + v * (mean[d] ?? 0), 0)];
}

function logLoss(rows: readonly Row[], weights: readonly number[], label: (row: Row) => number): number {
  const bias = weights[weights.length - 1] ?? 0;
  let loss = 0;
  for (const row of rows) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, 1 / (1 + Math.exp(-(dot(weights, row.x) + bias)))));
    loss -= label(row) * Math.log(p) + (1 - label(row)) * Math.log(1 - p);
  }
  return loss / Math.max(1, rows.length);
}

/** Area under the ROC curve of the model's scores for the label (ties count half). */
function auc(rows: readonly Row[], weights: readonly number[], label: (row: Row) => number): number {
  const bias = weights[weights.length - 1] ?? 0;
  const score = (row: Row) => dot(weights, row.x) + bias;
  const value = rocAuc(
    rows.filter((row) => label(row) === 1).map(score),
    rows.filter((row) => label(row) !== 1).map(score),
  );
  return Number.isNaN(value) ? 0 : value;
}

const paths = process.argv.slice(2);
if (paths.length < 2) {
  console.error('usage: npx tsx bench/faq-fit-decision.ts <shop.json> <shop.json> ...');
  process.exit(1);
}
const all = paths.flatMap((path, i) => rowsOf(path, i));
const round = (values: readonly number[]) => values.map((v) => Number(v.toFixed(4)));
const byAnswer = (row: Row) => row.answer;
const byChoice = (row: Row) => row.choice;
/**
 * The ask-back model learns to tell the two kinds of message its threshold trades against each
 * other: in scope with the right entry among the choices, and out of scope. An in-scope message
 * whose entry is not among the choices is resolved neither way, so it does not take part.
 */
const askable = (rows: readonly Row[]) => rows.filter((row) => row.choice === 1 || row.outOfScope);
const aucs: number[] = [];
for (let held = 0; held < paths.length; held++) {
  const train = all.filter((row) => row.file !== held);
  const test = all.filter((row) => row.file === held);
  const choiceModel = fitLogistic(askable(train), byChoice);
  aucs.push(auc(askable(test), choiceModel, byChoice));
  console.log(
    `fit without ${paths[held]}: held-out log loss answer ${logLoss(test, fitLogistic(train, byAnswer), byAnswer).toFixed(4)}, ` +
      `choice ${logLoss(askable(test), choiceModel, byChoice).toFixed(4)} (${test.length} rows)`,
  );
}
console.log(
  `choice model, held-out AUC per file: ${aucs.map((a) => a.toFixed(3)).join(' ')}; mean ${(aucs.reduce((a, b) => a + b, 0) / aucs.length).toFixed(4)}`,
);
console.log(
  JSON.stringify({
    answerWeights: round(fitLogistic(all, byAnswer)),
    choiceWeights: round(fitLogistic(askable(all), byChoice)),
  }),
);
