import type { Db, Tx } from '../../db/database.ts';

/**
 * A person: the members (one per platform account) a customer linked with `/link`. A member linked to
 * no other is a person of one. The person's key is the id of its earliest member; the journey's
 * person-wide state (stage, level, timezone) lives on that member's journey row.
 */
export interface Person {
  key: string;
  memberIds: string[];
}

/** The person `memberId` belongs to (a person of one when unlinked or unknown). */
export async function personOf(db: Db | Tx, memberId: string): Promise<Person> {
  const rows = await db.$queryRaw<{ id: string; key: string }[]>`
    WITH p AS (SELECT COALESCE("personId", id) AS key FROM member WHERE id = ${memberId})
    SELECT m.id, p.key FROM p JOIN member m ON m.id = p.key OR m."personId" = p.key
    ORDER BY m."createdAt", m.id`;
  if (rows.length === 0) return { key: memberId, memberIds: [memberId] };
  return { key: rows[0]?.key ?? memberId, memberIds: rows.map((r) => r.id) };
}

/** The persons (keys) of some members, by member id. */
export async function personKeysOf(db: Db | Tx, memberIds: string[]): Promise<Map<string, string>> {
  const rows = await db.$queryRaw<{ id: string; key: string }[]>`
    SELECT id, COALESCE("personId", id) AS key FROM member WHERE id = ANY(${memberIds}::text[])`;
  const keys = new Map(memberIds.map((id) => [id, id]));
  for (const row of rows) keys.set(row.id, row.key);
  return keys;
}

/** `platform:id (name)` of every identity of a person, earliest first (for owners). */
export async function personLabels(db: Db | Tx, memberIds: string[], withNames = true): Promise<string[]> {
  const identities = await db.identity.findMany({
    where: { memberId: { in: memberIds } },
    orderBy: { createdAt: 'asc' },
  });
  return identities.map(
    (i) => `${i.platform}:${i.platformUserId}${withNames && i.displayName ? ` (${i.displayName})` : ''}`,
  );
}

/** The person's most recently seen identity that takes direct messages (where to welcome or thank them). */
export function reachableIdentityOf(db: Db, memberIds: string[]) {
  return db.identity.findFirst({
    where: { memberId: { in: memberIds }, reachable: true, dmChatId: { not: null } },
    orderBy: { lastSeenAt: 'desc' },
  });
}

/**
 * Takes an erased member out of its person (inside the erasure's transaction): when it held the
 * person's key, the earliest remaining member becomes the key and takes over the person's journey
 * state (stage, level, timezone); a single remaining member is unlinked.
 */
export async function leavePerson(tx: Tx, memberId: string): Promise<void> {
  const person = await personOf(tx, memberId);
  const rest = person.memberIds.filter((id) => id !== memberId);
  if (rest.length === 0) return;
  const key = person.key === memberId ? (rest[0] ?? memberId) : person.key;
  if (person.key === memberId) {
    const state = await tx.memberJourney.findUnique({ where: { memberId } });
    if (state) {
      const data = {
        stage: state.stage,
        stageSince: state.stageSince,
        timezone: state.timezone,
        level: state.level,
        levelSince: state.levelSince,
      };
      await tx.memberJourney.upsert({
        where: { memberId: key },
        create: { memberId: key, ...data },
        update: data,
      });
    }
  }
  await tx.member.updateMany({
    where: { id: { in: rest } },
    data: { personId: rest.length > 1 ? key : null },
  });
}
