import type { Services } from '../../app/context.ts';
import { header, mrkdwn, section } from '../../core/blocks.ts';
import type { OutboundContent } from '../../core/outbound.ts';

const WEEK_MS = 7 * 86_400_000;
const RECENT_OPT_OUTS = 10;

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** Subscribers per platform and topic, the last 7 days' growth and the latest opt-outs. */
export async function subscribersReply(services: Services, topic?: string): Promise<OutboundContent> {
  const { db } = services;
  const now = services.now();
  const since = new Date(now.getTime() - WEEK_MS);
  const counts = await db.subscription.groupBy({
    by: ['topic', 'platform'],
    ...(topic ? { where: { topic } } : {}),
    _count: { _all: true },
    orderBy: [{ topic: 'asc' }, { platform: 'asc' }],
  });
  const facts = await db.$queryRaw<{ platform: string | null; type: string; n: number }[]>`
    SELECT platform, type, count(*)::int AS n FROM metric_event
    WHERE type IN ('subscribed', 'unsubscribed') AND at >= ${since} AND at < ${now}
      AND (${topic ?? null}::text IS NULL OR data->>'topic' = ${topic ?? null}::text)
    GROUP BY platform, type ORDER BY platform`;
  const optOuts = await db.consentEvent.findMany({
    where: { action: 'unsubscribe', ...(topic ? { topic } : {}) },
    orderBy: { at: 'desc' },
    take: RECENT_OPT_OUTS,
  });

  const byTopic = new Map<string, string[]>();
  let total = 0;
  for (const row of counts) {
    total += row._count._all;
    const list = byTopic.get(row.topic) ?? [];
    list.push(`${row.platform} ${row._count._all}`);
    byTopic.set(row.topic, list);
  }
  const growth = new Map<string, { in: number; out: number }>();
  for (const f of facts) {
    const key = f.platform ?? 'unknown';
    const entry = growth.get(key) ?? { in: 0, out: 0 };
    if (f.type === 'subscribed') entry.in += f.n;
    else entry.out += f.n;
    growth.set(key, entry);
  }
  const topicLines = [...byTopic].map(([name, parts]) => `${name}: ${parts.join(', ')}`);
  const growthLines = [...growth].map(([p, g]) => `${p}: ${signed(g.in - g.out)} (+${g.in} / -${g.out})`);
  const optOutLines = optOuts.map(
    (o) =>
      `${o.at.toISOString().slice(0, 16).replace('T', ' ')} ${o.platform} ${o.topic} (${o.source}${o.reason ? `: ${o.reason}` : ''})`,
  );
  const title = topic ? `Subscribers to "${topic}": ${total}` : `Subscriptions: ${total}`;
  const parts: [string, string][] = [
    ['By topic and platform', topicLines.join('\n') || 'none yet'],
    ['Growth, last 7 days', growthLines.join('\n') || 'no change'],
    ['Recent opt-outs', optOutLines.join('\n') || 'none'],
  ];
  return {
    text: [title, ...parts.map(([label, body]) => `${label}\n${body}`)].join('\n'),
    blocks: [header(title), ...parts.map(([label, body]) => section(mrkdwn`*${label}*\n${body}`))],
  };
}

/** The topics customers can pick, with subscriber counts. */
export async function topicsReply(services: Services): Promise<OutboundContent> {
  const topics = await services.db.topic.findMany({ orderBy: { name: 'asc' } });
  const counts = await services.db.subscription.groupBy({ by: ['topic'], _count: { _all: true } });
  const countOf = new Map(counts.map((c) => [c.topic, c._count._all]));
  if (topics.length === 0) return { text: 'There are no topics yet. Add one with /hearth topic add <name>.' };
  const lines = topics.map(
    (t) =>
      `${t.name}: ${countOf.get(t.name) ?? 0} subscriber(s)${t.description ? ` - ${t.description}` : ''}`,
  );
  return {
    text: `Topics:\n${lines.join('\n')}`,
    blocks: [section(mrkdwn`*Topics*\n${lines.join('\n')}`)],
  };
}
