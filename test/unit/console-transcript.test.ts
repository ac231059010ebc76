import { describe, expect, it } from 'vitest';
import { Transcript } from '../../adapters/console/transcript.ts';

/** The page downloads sent files from the transcript; it holds the bytes of the latest 20 only. */
describe('the console transcript', () => {
  it('keeps the bytes of the latest 20 files; older entries keep name and size', () => {
    const transcript = new Transcript();
    const sent = Array.from({ length: 21 }, (_, i) =>
      transcript.add({
        direction: 'out',
        platform: 'slack',
        chatId: '#owners',
        isDirect: false,
        text: `export ${i}`,
        file: { name: `f${i}.json`, mimeType: 'application/json', sizeBytes: 2, contentBase64: 'e30=' },
      }),
    );
    expect(sent[0]?.file).toEqual({ name: 'f0.json', mimeType: 'application/json', sizeBytes: 2 });
    expect(sent.slice(1).every((entry) => entry.file?.contentBase64 === 'e30=')).toBe(true);
  });
});
