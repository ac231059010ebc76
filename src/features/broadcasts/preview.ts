import type { Services } from '../../app/context.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import type { Db } from '../../db/database.ts';
import { recipientsOf } from '../polls/audience.ts';

/** Who would get a public post, per platform: direct messages to subscribers and community chats. */
export interface AudienceSize {
  platform: string;
  subscribers: number;
  channels: number;
}

/** Counts the audience's chats per platform (each chat once, as the fan-out sends). */
export async function audienceSizes(
  db: Db,
  audience: { topics: string[]; channelIds: string[] },
): Promise<AudienceSize[]> {
  const sizes = new Map<string, AudienceSize>();
  for await (const page of recipientsOf(db, audience)) {
    for (const recipient of page) {
      const platform = recipient.address.platform;
      const size = sizes.get(platform) ?? { platform, subscribers: 0, channels: 0 };
      if (recipient.isDirect) size.subscribers++;
      else size.channels++;
      sizes.set(platform, size);
    }
  }
  return [...sizes.values()].sort((a, b) => a.platform.localeCompare(b.platform));
}

/** "12 subscribers and 1 channel" */
export function sizeWords(size: Pick<AudienceSize, 'subscribers' | 'channels'>): string {
  const parts = [];
  if (size.subscribers > 0) parts.push(`${size.subscribers} subscriber${size.subscribers === 1 ? '' : 's'}`);
  if (size.channels > 0) parts.push(`${size.channels} channel${size.channels === 1 ? '' : 's'}`);
  return parts.join(' and ') || 'nobody';
}

/** Warnings for topics nobody is subscribed to, and for an audience of nobody. */
export async function emptyAudienceWarnings(
  db: Db,
  topics: string[],
  sizes: AudienceSize[],
): Promise<string[]> {
  const warnings: string[] = [];
  for (const topic of topics) {
    const count = await db.subscription.count({ where: { topic } });
    if (count === 0) warnings.push(`⚠️ The topic ${topic} has 0 subscribers.`);
  }
  if (sizes.every((s) => s.subscribers + s.channels === 0)) {
    warnings.push('⚠️ Nobody would get this: the audience is empty right now.');
  }
  return warnings;
}

/** One platform's rendering of a message, as plain lines (buttons shown as [label]). */
export function shownAs(content: OutboundContent): string {
  const buttons = (content.buttons ?? [])
    .flat()
    .map((b) => (b.url ? `[${b.label} → ${b.url}]` : `[${b.label}]`))
    .join(' ');
  const quoted = content.text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return buttons ? `${quoted}\n> ${buttons}` : quoted;
}

/** The preview message: heading, per-platform sections, warnings, and the Post hint. */
export function previewMessage(heading: string, sections: string[], warnings: string[]): OutboundContent {
  const text = [
    `👀 Preview: ${heading}`,
    ...sections,
    ...warnings,
    'Nothing is sent until you press Post (add --now to the command to skip this step).',
  ].join('\n\n');
  return { text };
}

export type PreviewServices = Pick<Services, 'db' | 'capabilitiesOf'>;
