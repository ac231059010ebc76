import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { FaqStore } from '../../src/features/support/faq-store.ts';
import { EXAMPLE_FAQ, seedFaq } from '../../src/features/support/seed.ts';
import { TEST_DATABASES } from '../support/databases.ts';

describe.each(TEST_DATABASES)('FAQ store and seed ($name)', (kind) => {
  let database: Database;
  const dir = mkdtempSync(join(tmpdir(), 'hearth-faq-'));

  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('seeds an empty FAQ from a JSON file, never over existing entries, and refuses a bad file', async () => {
    const store = new FaqStore(database.prisma);
    await store.reload();
    const file = join(dir, 'faq.json');
    writeFileSync(
      file,
      JSON.stringify([
        { question: 'Do you sell vinyl records?', answer: 'Yes, upstairs.', alternatives: ['any LPs?'] },
      ]),
    );
    expect(await seedFaq(store, file)).toBe(1);
    expect(await seedFaq(store, 'examples')).toBe(0);
    expect(store.match('do you have vinyl records').entryId).toBe(store.list()[0]?.id);

    const empty = new FaqStore(database.prisma);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"question": ""}]');
    await database.prisma.faqEntry.deleteMany();
    await empty.reload();
    await expect(seedFaq(empty, bad)).rejects.toThrow(/SUPPORT_FAQ_SEED/);
    await expect(seedFaq(empty, join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
    expect(await seedFaq(empty, 'none')).toBe(0);
    expect(await seedFaq(empty, 'examples')).toBe(EXAMPLE_FAQ.length);
  });

  it('notices entries another instance added or removed, and keeps phrasings unique', async () => {
    const store = new FaqStore(database.prisma);
    await store.reload();
    expect(await store.refreshIfChanged()).toBe(false);
    const outside = await database.prisma.faqEntry.create({
      data: { question: 'Can I book a private tasting?', answer: 'Yes, for groups of 6+.', alternatives: [] },
    });
    expect(await store.refreshIfChanged()).toBe(true);
    expect(store.match('can we book a private tasting for my group').entryId).toBe(outside.id);

    const updated = await store.addPhrasing(outside.id, 'wine tasting for a party');
    expect(updated?.alternatives).toEqual(['wine tasting for a party']);
    const again = await store.addPhrasing(outside.id, 'Wine tasting for a party');
    expect(again?.alternatives).toHaveLength(1);
    expect(await store.refreshIfChanged()).toBe(false);

    await database.prisma.faqEntry.delete({ where: { id: outside.id } });
    expect(await store.refreshIfChanged()).toBe(true);
    expect(store.get(outside.id)).toBeUndefined();
    expect(await store.addPhrasing(outside.id, 'anything')).toBeNull();
  });

  it('builds the matcher on the first question, not at load, and keeps it in step afterwards', async () => {
    await database.prisma.faqEntry.deleteMany();
    const store = new FaqStore(database.prisma);
    await store.reload();
    expect(await seedFaq(store, 'examples')).toBe(EXAMPLE_FAQ.length);
    expect(store.matcherBuilt).toBe(false); // loading and seeding need no word vectors
    const hours = store.list().find((entry) => entry.question === EXAMPLE_FAQ[0]?.question);
    expect(store.match('when do you open').entryId).toBe(hours?.id);
    expect(store.matcherBuilt).toBe(true);

    const added = await store.add('Do you bake wedding cakes?', 'Yes, order two weeks ahead.');
    expect(store.match('can you make a wedding cake').entryId).toBe(added.id);
    await store.remove(added.id);
    expect(store.match('can you make a wedding cake').entryId).not.toBe(added.id);
    await store.reload();
    expect(store.match('when do you open').entryId).toBe(hours?.id);
  });
});
