/**
 * Offline fit of the FAQ matcher's ranker and abstain weights:
 * `npx tsx bench/faq-fit.ts <a.json> <b.json>`.
 *
 * Fits a linear ranker (softmax over each question's candidate pool) and a logistic abstain model
 * on the features FaqMatcher.explain reports, cross-validated across the files (fit on one, score
 * the other), then fits on all files and prints the constants to paste into
 * DEFAULT_MATCHER_SETTINGS. Data: shared/bench/faq (CLINC150-derived, CC BY 3.0). `--keep-ranker`
 * keeps the shipped ranker and fits only the abstain model and its threshold.
 */
import { choicesOf, DEFAULT_DECISION_SETTINGS } from '../src/features/support/decide.ts';
import { FaqMatcher } from '../src/features/support/matcher.ts';
import { DEFAULT_MATCHER_SETTINGS } from '../src/features/support/matcher-settings.ts';
import { type BenchFile, loadBenchFile } from './faq-file.ts';
import { seededRandom } from './seeded-random.ts';

interface Sample {
  file: number;
  /** True for samples from a random small subset of the file's FAQ (small-business sized FAQs). */
  subset: boolean;
  expected: string | null;
  ids: string[];
  features: number[][];
  unexplained: number[];
  queryFeatures: number[];
}

/** Samples of a file against its whole FAQ, or against a random subset of `subsetSize` entries. */
function loadSamples(data: BenchFile, file: number, subsetSize?: number, seed = 1): Sample[] {
  const random = seededRandom(seed);
  let faq = data.faq;
  let queries = data.queries;
  if (subsetSize !== undefined) {
    faq = [...data.faq].sort(() => random() - 0.5).slice(0, subsetSize);
    // Half the queries, so the subsets do not outweigh the whole FAQs.
    queries = data.queries.filter(() => random() < 0.5);
  }
  const kept = new Set(faq.map((entry) => entry.id));
  const matcher = new FaqMatcher();
  // loadBenchFile keeps real answers only (CLINC's synthetic answers name the entry).
  matcher.replaceAll(faq);
  return queries.map((query) => {
    const explained = matcher.explain(query.text);
    return {
      file,
      subset: subsetSize !== undefined,
      expected: query.expected !== null && kept.has(query.expected) ? query.expected : null,
      ids: explained.candidates.map((candidate) => candidate.id),
      features: explained.candidates.map((candidate) => candidate.features),
      unexplained: explained.candidates.map((candidate) => candidate.unexplained),
      queryFeatures: explained.queryFeatures,
    };
  });
}

const dot = (w: readonly number[], f: readonly number[]) => f.reduce((sum, x, i) => sum + x * (w[i] ?? 0), 0);

/** Softmax ranking fit by gradient descent with L2. */
function fitRanker(samples: readonly Sample[], dims: number): number[] {
  const usable = samples.filter((s) => s.expected !== null && s.ids.includes(s.expected));
  const weights = new Array<number>(dims).fill(1);
  const rate = 0.5;
  const l2 = 0.001;
  for (let epoch = 0; epoch < 400; epoch++) {
    const gradient = new Array<number>(dims).fill(0);
    for (const sample of usable) {
      const scores = sample.features.map((f) => 4 * dot(weights, f));
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      const target = sample.ids.indexOf(sample.expected ?? '');
      sample.features.forEach((f, i) => {
        const p = (exps[i] ?? 0) / total - (i === target ? 1 : 0);
        for (let d = 0; d < dims; d++) gradient[d] = (gradient[d] ?? 0) + 4 * p * (f[d] ?? 0);
      });
    }
    for (let d = 0; d < dims; d++) {
      weights[d] = (weights[d] ?? 0) - rate * ((gradient[d] ?? 0) / usable.length + l2 * (weights[d] ?? 0));
    }
  }
  return weights;
}

interface Decision {
  topId: string | null;
  /** Entries that would be offered when asking back. */
  choices: string[];
  abstainFeatures: number[];
}

function decide(sample: Sample, ranker: readonly number[]): Decision {
  const scored = sample.features.map((f, i) => ({
    id: sample.ids[i] ?? '',
    score: dot(ranker, f),
    f,
    unexplained: sample.unexplained[i] ?? 0,
  }));
  scored.sort((a, b) => b.score - a.score);
  const best = scored[0];
  if (!best) return { topId: null, choices: [], abstainFeatures: [] };
  return {
    topId: best.id,
    choices: choicesOf(scored.slice(0, 3), DEFAULT_DECISION_SETTINGS),
    abstainFeatures: [
      best.score,
      best.score - (scored[1]?.score ?? 0),
      scored[1] ? 0 : 1,
      ...best.f,
      best.unexplained,
      ...sample.queryFeatures,
    ],
  };
}

/** Logistic fit: label 1 = answer (top-1 right), 0 = abstain. Returns weights then bias. */
function fitAbstain(samples: readonly Sample[], ranker: readonly number[]): number[] {
  return fitLogistic(samples, ranker, (s, d) => s.expected !== null && d.topId === s.expected);
}

/** Logistic fit: label 1 = the right entry is among the choices an ask-back would offer. */
function fitInScope(samples: readonly Sample[], ranker: readonly number[]): number[] {
  return fitLogistic(samples, ranker, (s, d) => s.expected !== null && d.choices.includes(s.expected));
}

function fitLogistic(
  samples: readonly Sample[],
  ranker: readonly number[],
  label: (sample: Sample, decision: Decision) => boolean,
): number[] {
  const rows = samples
    .map((r) => ({ d: decide(r, ranker), s: r }))
    .filter((r) => r.d.topId !== null)
    .map((r) => ({ x: r.d.abstainFeatures, y: label(r.s, r.d) ? 1 : 0 }));
  const dims = rows[0]?.x.length ?? 0;
  // Standardise, fit, then fold the scaling back into the weights.
  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const row of rows) {
    row.x.forEach((v, d) => {
      mean[d] = (mean[d] ?? 0) + v / rows.length;
    });
  }
  for (const row of rows) {
    row.x.forEach((v, d) => {
      std[d] = (std[d] ?? 0) + (v - (mean[d] ?? 0)) ** 2 / rows.length;
    });
  }
  for (let d = 0; d < dims; d++) std[d] = Math.sqrt(std[d] ?? 0) || 1;
  for (const row of rows) row.x = row.x.map((v, d) => (v - (mean[d] ?? 0)) / (std[d] ?? 1));
  const weights = new Array<number>(dims + 1).fill(0);
  for (let epoch = 0; epoch < 2000; epoch++) {
    const gradient = new Array<number>(dims + 1).fill(0);
    for (const row of rows) {
      const p = 1 / (1 + Math.exp(-(dot(weights, row.x) + (weights[dims] ?? 0))));
      const error = p - row.y;
      for (let d = 0; d < dims; d++) gradient[d] = (gradient[d] ?? 0) + error * (row.x[d] ?? 0);
      gradient[dims] = (gradient[dims] ?? 0) + error;
    }
    for (let d = 0; d <= dims; d++)
      weights[d] =
        (weights[d] ?? 0) -
        (1.0 * (gradient[d] ?? 0)) / rows.length -
        0.001 * (d < dims ? (weights[d] ?? 0) : 0);
  }
  const unscaled = weights.slice(0, dims).map((w, d) => w / (std[d] ?? 1));
  const bias = (weights[dims] ?? 0) - unscaled.reduce((sum, w, d) => sum + w * (mean[d] ?? 0), 0);
  return [...unscaled, bias];
}

function score(
  samples: readonly Sample[],
  ranker: readonly number[],
  abstain: readonly number[],
  threshold: number,
) {
  let right = 0;
  let inScope = 0;
  let top1 = 0;
  for (const sample of samples) {
    const d = decide(sample, ranker);
    const dims = d.abstainFeatures.length;
    const p =
      d.topId === null ? 0 : 1 / (1 + Math.exp(-(dot(abstain, d.abstainFeatures) + (abstain[dims] ?? 0))));
    const answered = p >= threshold;
    if (sample.expected !== null) {
      inScope++;
      if (d.topId === sample.expected) top1++;
    }
    if (sample.expected === null ? !answered : answered && d.topId === sample.expected) right++;
  }
  return { overall: right / samples.length, inScopeTop1: top1 / Math.max(1, inScope) };
}

function bestThreshold(
  samples: readonly Sample[],
  ranker: readonly number[],
  abstain: readonly number[],
): number {
  let best = 0.5;
  let bestScore = -1;
  for (let t = 0.2; t <= 0.8; t += 0.02) {
    // Whole FAQs and small subsets count equally.
    const s =
      score(
        samples.filter((x) => !x.subset),
        ranker,
        abstain,
        t,
      ).overall +
      score(
        samples.filter((x) => x.subset),
        ranker,
        abstain,
        t,
      ).overall;
    if (s > bestScore) {
      bestScore = s;
      best = t;
    }
  }
  return Number(best.toFixed(2));
}

const args = process.argv.slice(2);
/** `--keep-ranker`: fit only the abstain model and its threshold, on the shipped ranker. */
const keepRanker = args.includes('--keep-ranker');
const paths = args.filter((arg) => !arg.startsWith('--'));
const rankerOf = (samples: readonly Sample[]) =>
  keepRanker ? [...DEFAULT_MATCHER_SETTINGS.rankerWeights] : fitRanker(samples, dims);
if (paths.length < 2) {
  console.error('usage: npx tsx bench/faq-fit.ts <a.json> <b.json>');
  process.exit(1);
}
const SUBSET_SIZES = [1, 2, 3, 5, 8, 12, 20];
/**
 * Small-business files (real answers, customers' wording) count SMB_WEIGHT times (env, default 1;
 * 4 helped the shops a little and cost CLINC more): they are the kind of FAQ the bot serves.
 */
const SMB_WEIGHT = Number(process.env.SMB_WEIGHT ?? 1);
const all = paths.flatMap((path, i) => {
  const data = loadBenchFile(path, (message) => {
    console.error(`faq-fit: ${message}`);
    process.exit(1);
  });
  const samples = [
    ...loadSamples(data, i),
    ...SUBSET_SIZES.flatMap((size, k) => loadSamples(data, i, size, 100 * i + k + 1)),
  ];
  return data.realAnswers ? Array.from({ length: SMB_WEIGHT }, () => samples).flat() : samples;
});
const dims = all.find((s) => s.features.length > 0)?.features[0]?.length ?? 0;
const round = (values: readonly number[]) => values.map((v) => Number(v.toFixed(4)));
/** Scores of the whole-FAQ samples and of the small-subset samples. */
function report(
  samples: readonly Sample[],
  ranker: readonly number[],
  abstain: readonly number[],
  threshold: number,
) {
  const round4 = (r: { overall: number; inScopeTop1: number }) => ({
    overall: Number(r.overall.toFixed(4)),
    inScopeTop1: Number(r.inScopeTop1.toFixed(4)),
  });
  return {
    whole: round4(
      score(
        samples.filter((s) => !s.subset),
        ranker,
        abstain,
        threshold,
      ),
    ),
    subsets: round4(
      score(
        samples.filter((s) => s.subset),
        ranker,
        abstain,
        threshold,
      ),
    ),
  };
}

for (let held = 0; held < paths.length; held++) {
  const train = all.filter((s) => s.file !== held);
  const test = all.filter((s) => s.file === held);
  const ranker = rankerOf(train);
  const abstain = fitAbstain(train, ranker);
  const threshold = bestThreshold(train, ranker, abstain);
  console.log(
    `fit without ${paths[held]} (threshold ${threshold}): held-out`,
    JSON.stringify(report(test, ranker, abstain, threshold)),
  );
}
const ranker = rankerOf(all);
const abstain = fitAbstain(all, ranker);
const inScope = fitInScope(all, ranker);
const threshold = bestThreshold(all, ranker, abstain);
for (let i = 0; i < paths.length; i++) {
  console.log(
    `fit on all, ${paths[i]}:`,
    JSON.stringify(
      report(
        all.filter((s) => s.file === i),
        ranker,
        abstain,
        threshold,
      ),
    ),
  );
}
console.log(
  JSON.stringify({
    rankerWeights: round(ranker),
    abstainWeights: round(abstain),
    minConfidence: threshold,
    inScopeWeights: round(inScope),
  }),
);
