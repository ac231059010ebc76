import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/core/split-text.ts';

describe('splitText', () => {
  it('keeps a short text whole', () => {
    expect(splitText('hello', 10)).toEqual(['hello']);
    expect(splitText('', 10)).toEqual(['']);
  });

  it('prefers paragraph, then line, then word boundaries', () => {
    expect(splitText('aaaa\n\nbbbb cc', 10)).toEqual(['aaaa', 'bbbb cc']);
    expect(splitText('aaaa\nbbbb cc', 10)).toEqual(['aaaa', 'bbbb cc']);
    expect(splitText('aaa bbb ccc ddd', 8)).toEqual(['aaa bbb', 'ccc ddd']);
  });

  it('cuts a word longer than the limit without losing characters', () => {
    const pieces = splitText('x'.repeat(25), 10);
    expect(pieces).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never cuts an emoji (surrogate pair) in half', () => {
    const text = '😀'.repeat(7); // 14 code units
    const pieces = splitText(text, 5);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(5);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
  });
});
