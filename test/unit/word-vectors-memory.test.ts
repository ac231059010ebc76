import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DIMENSIONS, loadWordVectors } from '../../src/features/support/matcher-embeddings.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after full collections, in MB (typed-array contents are outside it). */
function heapUsedMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('word vectors', () => {
  it('keep only the vocabulary in the heap, not the chunks of the file it was read from', () => {
    const before = heapUsedMb();
    const vectors = loadWordVectors(60_000);
    const grown = heapUsedMb() - before;
    expect(vectors.rows.size).toBe(60_000);
    expect(vectors.vectors.length).toBe(60_000 * DIMENSIONS);
    // 60,000 short keys in a Map take a few MB; keys that were views into the 1 MB chunks kept ~56 MB.
    expect(grown).toBeLessThan(15);
  });
});
