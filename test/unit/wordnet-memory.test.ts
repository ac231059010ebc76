import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { relatedWords } from '../../src/features/support/matcher-wordnet.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus external memory (strings and buffers outside the heap) after full collections, in MB. */
function usedMb(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return (heapUsed + external) / 1e6;
}

describe('WordNet', () => {
  it('holds only a compact lemma index in memory; synsets are read from the files when asked for', () => {
    const before = usedMb();
    const shred = relatedWords('shredded');
    const grown = usedMb() - before;
    expect(shred).toContainEqual({ word: 'tear', relation: 'broader' });
    expect(relatedWords('fraudulent')).toContainEqual({ word: 'fraudulence', relation: 'derived' });
    expect(relatedWords('refund')).toContainEqual({ word: 'repayment', relation: 'synonym' });
    expect(relatedWords('purchase').map((related) => related.word)).toContain('buy');
    // Index files as Maps of arrays plus the data files as strings took ~45 MB.
    expect(grown).toBeLessThan(15);
  });
});
