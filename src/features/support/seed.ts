import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { FaqStore } from './faq-store.ts';

/**
 * FAQ entries written at first start when the table is empty, so a fresh Hearth answers something
 * in the console. SUPPORT_FAQ_SEED chooses: `examples` (these), `none`, or the path of a JSON file
 * `[{"question", "answer", "alternatives"?: [...]}]`.
 */
export const EXAMPLE_FAQ: readonly { question: string; answer: string; alternatives: string[] }[] = [
  {
    question: 'What are your opening hours?',
    answer: "We're open Monday to Friday 9:00-18:00 and Saturday 10:00-16:00. Closed on Sundays.",
    alternatives: ['When are you open?', 'Are you open on weekends?', 'What time do you close today?'],
  },
  {
    question: 'Where are you located?',
    answer: "You'll find us at 12 Market Street, next to the library. Parking is free behind the shop.",
    alternatives: ["What's your address?", 'How do I find your shop?', 'Is there parking nearby?'],
  },
  {
    question: 'Do you deliver?',
    answer: 'Yes! We deliver within 10 km for a flat fee of 3.50; orders over 40 are delivered free.',
    alternatives: ['Can I get my order delivered?', 'How much is shipping?', 'Do you ship to my area?'],
  },
  {
    question: 'How can I pay?',
    answer: 'We take cash, all major cards, Apple Pay and Google Pay.',
    alternatives: ['Do you accept credit cards?', 'Can I pay by card?', 'What payment methods do you take?'],
  },
  {
    question: 'What is your return policy?',
    answer: 'Unused items can be returned within 30 days with the receipt for a full refund.',
    alternatives: ['Can I return an item?', 'How do I get a refund?', 'Can I exchange something I bought?'],
  },
];

const seedFile = z.array(
  z.object({
    question: z.string().trim().min(1),
    answer: z.string().trim().min(1),
    alternatives: z.array(z.string().trim().min(1)).default([]),
  }),
);

/** Seeds the FAQ when it is empty; returns how many entries were written. Throws on a bad seed file. */
export async function seedFaq(store: FaqStore, setting: string): Promise<number> {
  if (store.size > 0 || setting === 'none') return 0;
  const entries = setting === 'examples' ? EXAMPLE_FAQ : await readSeedFile(setting);
  for (const entry of entries) await store.add(entry.question, entry.answer, 'seed', [...entry.alternatives]);
  return entries.length;
}

async function readSeedFile(path: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `SUPPORT_FAQ_SEED: cannot read ${path}: ${error instanceof Error ? error.message : error}`,
    );
  }
  const result = seedFile.safeParse(parsed);
  if (!result.success) {
    throw new Error(
      `SUPPORT_FAQ_SEED: ${path} must be [{question, answer, alternatives?}]: ${result.error.message}`,
    );
  }
  return result.data;
}
