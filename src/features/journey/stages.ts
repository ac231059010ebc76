import { randomInt } from 'node:crypto';
import type { Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { findMember } from '../metrics/commands.ts';
import { computeJourneyReport, journeyLines } from './digest.ts';
import { STAGES, stageCounts } from './facts.ts';

/** Letters and digits that cannot be misread (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
/** What a purchase code a customer types looks like (any case, a dash in the middle allowed). */
export const PURCHASE_CODE_TEXT = /^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$/;
const MAX_CODES = 500;

export function newCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function normalizeCode(text: string): string {
  return text.replace(/[\s-]+/g, '').toUpperCase();
}

export type Redemption = 'redeemed' | 'already_yours' | 'used' | 'unknown';

/** A customer sends a purchase code: used once, by one member; a fact for their stage. */
export async function redeemCode(db: Db, memberId: string, text: string, at: Date): Promise<Redemption> {
  const code = normalizeCode(text);
  return db.$transaction(async (tx) => {
    const taken = await tx.purchaseCode.updateMany({
      where: { code, redeemedBy: null },
      data: { redeemedBy: memberId, redeemedAt: at },
    });
    if (taken.count === 1) {
      await tx.journeyFact.create({ data: { memberId, kind: 'purchase_code', detail: code, at } });
      return 'redeemed';
    }
    const row = await tx.purchaseCode.findUnique({ where: { code } });
    if (!row) return 'unknown';
    return row.redeemedBy === memberId ? 'already_yours' : 'used';
  });
}

/** `/hearth codes new <n>` and `/hearth codes`; `/hearth customer <platform:id>`; `/hearth funnel`. */
export function stageOwnerCommands(
  services: Services,
  sync: (memberId: string) => Promise<void>,
): OwnerCommand[] {
  const codes: OwnerCommand = {
    name: 'codes',
    usage: 'codes [new <count>]',
    summary: 'purchase codes to hand out: a customer who sends one becomes a customer',
    async run(ctx, args) {
      const [verb = '', countText = '', ...extra] = args.trim().split(/\s+/).filter(Boolean);
      if (!verb) {
        const batches = await services.db.purchaseCode.groupBy({
          by: ['batch'],
          _count: { _all: true, redeemedBy: true },
          _min: { createdAt: true },
          orderBy: { _min: { createdAt: 'desc' } },
          take: 10,
        });
        if (batches.length === 0)
          return void (await ctx.reply('No purchase codes yet. /hearth codes new 20 makes some.'));
        const lines = batches.map((b) => `${b.batch}: ${b._count._all} code(s), ${b._count.redeemedBy} used`);
        return void (await ctx.reply(`Purchase codes by batch:\n${lines.join('\n')}`));
      }
      const count = Number(countText);
      if (verb !== 'new' || !Number.isInteger(count) || count < 1 || count > MAX_CODES || extra.length > 0) {
        throw new UserFacingError(`Say new and how many (1-${MAX_CODES}), e.g. /hearth codes new 20.`);
      }
      const at = services.now();
      const batch = at.toISOString().slice(0, 16).replace('T', ' ');
      const made = new Set<string>();
      while (made.size < count) made.add(newCode());
      await services.db.purchaseCode.createMany({
        data: [...made].map((code) => ({ code, batch, createdBy: ctx.event.sender.userId, createdAt: at })),
        skipDuplicates: true,
      });
      const list = [...made].join('\n');
      await ctx.reply({
        text: `${made.size} purchase code(s), batch ${batch}. Hand one to each buyer; they send it to the bot.\n${list}`,
        file: {
          name: `purchase-codes-${batch.replace(/\D/g, '')}.txt`,
          contentBase64: Buffer.from(`${list}\n`).toString('base64'),
          mimeType: 'text/plain',
        },
      });
    },
  };

  const customer: OwnerCommand = {
    name: 'customer',
    usage: 'customer <platform:id>',
    summary: 'mark a member as a customer',
    async run(ctx, args) {
      const ref = args.trim();
      if (!ref) throw new UserFacingError('Name the member as platform:id.');
      const identity = await findMember(services, ref);
      await services.db.journeyFact.create({
        data: {
          memberId: identity.memberId,
          kind: 'customer_mark',
          by: ctx.event.sender.userId,
          at: services.now(),
        },
      });
      await sync(identity.memberId);
      const journey = await services.db.memberJourney.findUnique({ where: { memberId: identity.memberId } });
      await ctx.reply(`Marked ${ref} as a customer. Stage now: ${journey?.stage ?? 'customer'}.`);
    },
  };

  const funnel: OwnerCommand = {
    name: 'funnel',
    usage: 'funnel',
    summary: 'members at each stage of the customer journey',
    async run(ctx) {
      const counts = await stageCounts(services.db);
      await ctx.reply(`Members by stage:\n${STAGES.map((s) => `${s}: ${counts[s] ?? 0}`).join('\n')}`);
    },
  };
  const journeyCommand: OwnerCommand = {
    name: 'journey',
    usage: 'journey',
    summary: 'the customer journey over the last 7 days: funnel, referrals, series, council',
    async run(ctx) {
      const to = services.now();
      const report = await computeJourneyReport(services.db, new Date(to.getTime() - 7 * 86_400_000), to);
      await ctx.reply(`The customer journey, last 7 days\n${journeyLines(report).join('\n')}`);
    },
  };
  return [codes, customer, funnel, journeyCommand];
}
