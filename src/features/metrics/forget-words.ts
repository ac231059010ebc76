import type { Tx } from '../../db/database.ts';

/** Same words, ignoring case and spacing. */
const key = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Removes whole-word occurrences of `names` (and a following comma or "!") from a text. */
export function withoutNames(text: string, names: readonly string[]): string {
  let result = text;
  for (const name of names.filter((n) => n.length >= 3)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    result = result.replace(new RegExp(`(?<![\\p{L}])${escaped}(?![\\p{L}])[,!]?`, 'giu'), '');
  }
  return result
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\s+([,.!?])/g, '$1')
    .trim();
}

/**
 * Erasure reaches the FAQ too: wordings the member wrote (their handed-off and asked-back questions)
 * leave FAQ entries and waiting phrasing suggestions; an entry whose question was theirs takes its
 * next phrasing as question, or goes when it has none; their names leave every entry's text.
 * Returns how many entries changed or went.
 */
export async function scrubMemberWords(tx: Tx, memberId: string): Promise<number> {
  const [identities, handoffs, askBacks] = await Promise.all([
    tx.identity.findMany({ where: { memberId }, select: { displayName: true } }),
    tx.handoff.findMany({
      where: { memberId },
      select: { question: true, messages: { where: { author: 'customer' }, select: { text: true } } },
    }),
    tx.askBack.findMany({ where: { memberId }, select: { question: true } }),
  ]);
  const theirs = new Set(
    [
      ...handoffs.flatMap((h) => [h.question, ...h.messages.map((m) => m.text)]),
      ...askBacks.map((a) => a.question),
    ].map(key),
  );
  const names = [
    ...new Set(identities.flatMap((i) => (i.displayName ? i.displayName.split(/\s+/) : []))),
  ].filter((name) => name.length >= 3);
  if (theirs.size > 0) {
    const candidates = await tx.faqPhrasingCandidate.findMany({ select: { id: true, text: true } });
    const gone = candidates.filter((c) => theirs.has(key(c.text))).map((c) => c.id);
    if (gone.length > 0) await tx.faqPhrasingCandidate.deleteMany({ where: { id: { in: gone } } });
  }
  await tx.askBack.deleteMany({ where: { memberId } });
  let changed = 0;
  for (const entry of await tx.faqEntry.findMany()) {
    const phrasings = [entry.question, ...entry.alternatives].filter((p) => !theirs.has(key(p)));
    const [question, ...alternatives] = phrasings.map((p) => withoutNames(p, names));
    if (!question) {
      await tx.faqEntry.delete({ where: { id: entry.id } });
      changed++;
      continue;
    }
    const answer = withoutNames(entry.answer, names) || entry.answer;
    const same =
      question === entry.question &&
      answer === entry.answer &&
      alternatives.length === entry.alternatives.length &&
      alternatives.every((a, i) => a === entry.alternatives[i]);
    if (same) continue;
    await tx.faqEntry.update({ where: { id: entry.id }, data: { question, answer, alternatives } });
    changed++;
  }
  return changed;
}
