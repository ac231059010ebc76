import { UserFacingError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { resolveTargets, unknownTargetsError } from '../channels/targets.ts';

/** Who a broadcast goes to: subscribers of topics (by direct message) and community channels. */
export interface Audience {
  topics: string[];
  channelIds: string[];
  /** How the owner named it, e.g. `news,#general`. */
  label: string;
}

/**
 * Reads an audience token: comma-separated targets, `#name` a community channel (by name or chat
 * id), anything else a topic. Unknown names are refused with the list of known ones.
 */
export async function resolveAudience(db: Db, token: string): Promise<Audience> {
  const targets = token
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (targets.length === 0) throw new UserFacingError('Say who gets it: a topic or a #channel.');
  const resolved = await resolveTargets(db, targets);
  if (resolved.unknown.length > 0) throw unknownTargetsError(resolved, 'topics first');
  return { topics: resolved.topics, channelIds: resolved.channelIds, label: targets.join(',') };
}

/** Reads an Audience back from JSON (a Broadcast or Schedule row); tolerant of missing fields. */
export function audienceFromJson(value: unknown): Audience {
  const v = (value ?? {}) as Partial<Record<keyof Audience, unknown>>;
  const strings = (x: unknown) =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  return {
    topics: strings(v.topics),
    channelIds: strings(v.channelIds),
    label: typeof v.label === 'string' ? v.label : '',
  };
}
