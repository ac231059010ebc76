import type { Db } from '../../db/database.ts';
import { audienceFromJson } from '../broadcasts/audience.ts';
import { MARKETING_KEYS } from './restraint.ts';

/** One marketing message sent to someone who had not consented at the time. */
export interface AuditFinding {
  outboxId: string;
  memberId: string;
  sentAt: Date;
  source: string;
  topics: string[];
}

export interface AuditResult {
  from: Date;
  to: Date;
  checked: number;
  findings: AuditFinding[];
}

interface SentRow {
  id: bigint;
  memberId: string;
  sentAt: Date;
  dedupeKey: string;
  broadcastId: string | null;
}

/**
 * Proves from the consent ledger that every marketing message sent in [from, to) went to a member
 * who, at the moment it was sent, had opted in to a topic it went to: the member's latest ledger
 * entry for one of its topics at or before the send was a subscribe. Messages that fail are listed.
 */
export async function auditConsent(db: Db, from: Date, to: Date): Promise<AuditResult> {
  const sent = await db.$queryRaw<SentRow[]>`
    SELECT id, "memberId", "sentAt", "dedupeKey", "broadcastId" FROM outbox
    WHERE status = 'sent' AND "memberId" IS NOT NULL AND "sentAt" >= ${from} AND "sentAt" < ${to}
      AND ${MARKETING_KEYS}
    ORDER BY "sentAt"`;
  const topicsBySource = new Map<string, string[]>();
  const topicsOf = async (row: SentRow): Promise<[string, string[]]> => {
    const [kind = '', id = ''] = row.dedupeKey.split(':');
    const source = `${kind}:${row.broadcastId ?? id}`;
    let topics = topicsBySource.get(source);
    if (!topics) {
      if (kind === 'broadcast' && row.broadcastId) {
        const b = await db.broadcast.findUnique({
          where: { id: row.broadcastId },
          select: { audience: true },
        });
        topics = audienceFromJson(b?.audience).topics;
      } else if (kind === 'poll') {
        const p = await db.poll.findUnique({ where: { id }, select: { audience: true } });
        topics = audienceFromJson(p?.audience).topics;
      } else if (kind === 'series') {
        const s = await db.series.findUnique({ where: { id }, select: { topic: true } });
        topics = s ? [s.topic] : [];
      } else topics = [];
      topicsBySource.set(source, topics);
    }
    return [source, topics];
  };
  const members = [...new Set(sent.map((s) => s.memberId))];
  const ledger = await db.consentEvent.findMany({
    where: { memberId: { in: members }, at: { lt: to } },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    select: { memberId: true, topic: true, action: true, at: true },
  });
  const byMember = new Map<string, typeof ledger>();
  for (const entry of ledger) {
    if (!entry.memberId) continue;
    byMember.set(entry.memberId, [...(byMember.get(entry.memberId) ?? []), entry]);
  }
  const findings: AuditFinding[] = [];
  for (const row of sent) {
    const [source, topics] = await topicsOf(row);
    const entries = byMember.get(row.memberId) ?? [];
    const consented = topics.some((topic) => {
      const last = entries.filter((e) => e.topic === topic && e.at <= row.sentAt).at(-1);
      return last?.action === 'subscribe';
    });
    if (!consented) {
      findings.push({
        outboxId: row.id.toString(),
        memberId: row.memberId,
        sentAt: row.sentAt,
        source,
        topics,
      });
    }
  }
  return { from, to, checked: sent.length, findings };
}

export function auditText(result: AuditResult): string {
  const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
  const head = `Consent audit ${day(result.from)} to ${day(result.to)} UTC: ${result.checked} marketing message(s) sent.`;
  if (result.findings.length === 0) {
    return `${head}\nEvery one went to a member who had opted in to its topic when it was sent (checked against the consent ledger).`;
  }
  const lines = result.findings
    .slice(0, 20)
    .map(
      (f) =>
        `• message ${f.outboxId} (${f.source}, topics ${f.topics.join(',') || 'none'}) at ${day(f.sentAt)} to member ${f.memberId.slice(0, 8)}`,
    );
  return `${head}\n${result.findings.length} went without consent on record at the time:\n${lines.join('\n')}`;
}
