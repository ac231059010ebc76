import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { ActionEvent, MessageEvent } from '../../core/events.ts';
import type { FaqStore } from './faq-store.ts';
import type { HandoffService } from './handoffs.ts';
import type { AnswerPhraser } from './llm.ts';
import {
  ACTIONS,
  answerMessage,
  EMPTY_QUESTION_TEXT,
  FOLLOW_UP_TEXT,
  HANDED_OFF_TEXT,
  NOT_HELPFUL_TEXT,
  THANKS_TEXT,
} from './render.ts';

/** Questions the bot answered recently, so a 👎 can hand off the customer's own words. */
export class RecentAnswers {
  private readonly questions = new Map<string, string>();

  constructor(private readonly limit = 2000) {}

  remember(memberId: string, faqId: string, question: string): void {
    const key = `${memberId}\u0000${faqId}`;
    this.questions.delete(key);
    this.questions.set(key, question);
    if (this.questions.size > this.limit) {
      const oldest = this.questions.keys().next().value;
      if (oldest !== undefined) this.questions.delete(oldest);
    }
  }

  take(memberId: string, faqId: string): string | undefined {
    const key = `${memberId}\u0000${faqId}`;
    const question = this.questions.get(key);
    this.questions.delete(key);
    return question;
  }
}

/** Removes @mentions of the bot (Slack `<@U123>`, `@name`) from the start of a group message. */
export function stripMentions(text: string): string {
  return text.replace(/^(\s*(<@[A-Za-z0-9]+>|@[\w.-]+)[,:]?\s*)+/u, '').trim();
}

function senderName(ctx: HearthContext): string {
  const { sender } = ctx.event;
  return sender.name ?? sender.username ?? sender.userId;
}

type MessageContext = HearthContext & { event: MessageEvent };
type ActionContext = HearthContext & { event: ActionEvent };

/**
 * Customers' questions (direct messages and group messages that mention the bot), owners' replies
 * in handoff threads, and the support buttons.
 */
export function supportComposer(
  faq: FaqStore,
  handoffs: HandoffService,
  recent: RecentAnswers,
  phraser?: AnswerPhraser,
) {
  const composer = new Composer<HearthContext>();

  composer.on('message', async (ctx, next) => {
    if (ctx.isOwner) {
      const threadId = ctx.event.address.threadId;
      const handoff = threadId ? await handoffs.byOwnerThread(threadId) : null;
      if (!handoff) return next();
      await relayOwnerReply(ctx, handoff.id);
      return;
    }
    if (!ctx.event.isDirect && !ctx.event.mentionsBot) return next();
    await answerQuestion(ctx);
  });

  async function relayOwnerReply(ctx: MessageContext, handoffId: string): Promise<void> {
    const handoff = await handoffs.find(handoffId);
    if (!handoff) return;
    const text = ctx.event.text.trim();
    if (!text) return;
    if (handoff.status !== 'open') {
      await ctx.reply('This question is resolved, so your reply was not sent to the customer.');
      return;
    }
    const firstAnswer = handoff.firstAnsweredAt === null;
    const content = await handoffs.ownerAnswered(handoff, text, ctx.event.sender.userId);
    await ctx.send(handoffs.customerAddress(handoff), content, { memberId: handoff.memberId });
    if (firstAnswer) {
      await ctx.reply(
        '✓ Sent to the customer. Further replies in this thread are sent too; press Resolve when done.',
      );
    }
    ctx.log.info({ handoffId: handoff.id }, 'owner reply relayed to customer');
  }

  async function answerQuestion(ctx: MessageContext): Promise<void> {
    const question = stripMentions(ctx.event.text);
    if (!/[\p{L}\p{N}]/u.test(question)) {
      await ctx.reply(EMPTY_QUESTION_TEXT);
      return;
    }
    const { address } = ctx.event;
    const open = await handoffs.openFor(ctx.memberId);
    if (open) {
      await handoffs.followUp(open, question, senderName(ctx));
      await ctx.reply(FOLLOW_UP_TEXT);
      return;
    }
    const { metrics } = ctx.services;
    await metrics.record({ type: 'question_asked', platform: address.platform, memberId: ctx.memberId });
    const match = faq.match(question);
    const entry = match.entryId ? faq.get(match.entryId) : undefined;
    let answer = entry?.answer;
    if (entry && phraser) {
      const context = [entry, ...match.candidates.slice(1, 3).flatMap((c) => faq.get(c.id) ?? [])];
      const phrased = await phraser.phrase(question, context);
      if (phrased.kind === 'answer') answer = phrased.text;
      if (phrased.kind === 'abstain') answer = undefined;
    }
    if (entry && answer !== undefined) {
      await ctx.reply(answerMessage({ ...entry, answer }, ctx.capabilities?.buttons === true));
      recent.remember(ctx.memberId, entry.id, question);
      await metrics.record({
        type: 'question_answered',
        platform: address.platform,
        memberId: ctx.memberId,
        value: match.confidence,
        data: { faqId: entry.id },
      });
      return;
    }
    const best = match.candidates[0];
    await handoffs.open({
      memberId: ctx.memberId,
      customer: address,
      customerName: senderName(ctx),
      question,
      matchedFaqId: best?.id ?? null,
      confidence: best ? match.confidence : null,
      reason: 'unsure',
    });
    await ctx.reply(HANDED_OFF_TEXT);
  }

  composer.action(ACTIONS.helpful, async (ctx) => {
    await ctx.reply(THANKS_TEXT);
  });

  composer.action(ACTIONS.notHelpful, async (ctx) => {
    const faqId = ctx.event.value ?? '';
    const open = await handoffs.openFor(ctx.memberId);
    if (open) {
      await ctx.reply(FOLLOW_UP_TEXT);
      return;
    }
    const entry = faq.get(faqId);
    const question =
      recent.take(ctx.memberId, faqId) ??
      `(They said the FAQ answer to “${entry?.question ?? 'a question'}” did not help.)`;
    await handoffs.open({
      memberId: ctx.memberId,
      customer: ctx.event.address,
      customerName: senderName(ctx),
      question,
      matchedFaqId: entry ? entry.id : null,
      confidence: null,
      reason: 'not_helpful',
    });
    await ctx.reply(NOT_HELPFUL_TEXT);
  });

  /** Owner-only buttons on a handoff's thread root. */
  const ownerAction = (actionId: string, run: (ctx: ActionContext, handoffId: string) => Promise<void>) =>
    composer.action(actionId, async (ctx) => {
      if (!ctx.isOwner) {
        ctx.log.warn({ actionId, userId: ctx.event.sender.userId }, 'support owner action refused');
        await ctx.reply('Only the owners can do that.');
        return;
      }
      await run(ctx, ctx.event.value ?? '');
    });

  ownerAction(ACTIONS.resolve, async (ctx, handoffId) => {
    const handoff = await handoffs.find(handoffId);
    if (!handoff) {
      await ctx.reply('That handoff no longer exists.');
      return;
    }
    const closed = await handoffs.resolve(handoff);
    await ctx.send(
      handoffs.ownerAddress(handoff),
      closed ? `✅ Resolved by ${senderName(ctx)}.` : 'This handoff was already resolved.',
    );
  });

  const learn = (mode: 'entry' | 'phrasing') => async (ctx: ActionContext, handoffId: string) => {
    const handoff = await handoffs.find(handoffId);
    if (!handoff) {
      await ctx.reply('That handoff no longer exists.');
      return;
    }
    const result = await handoffs.learn(handoff, mode, ctx.event.sender.userId);
    const text =
      'error' in result
        ? result.error
        : result.mode === 'entry'
          ? `📚 Saved as FAQ ${result.entry.id.slice(0, 8)}: “${result.entry.question}”. The bot answers it from now on.`
          : `➕ Added the question as a phrasing of FAQ “${result.entry.question}”.`;
    await ctx.send(handoffs.ownerAddress(handoff), text);
  };
  ownerAction(ACTIONS.saveAnswer, learn('entry'));
  ownerAction(ACTIONS.savePhrasing, learn('phrasing'));

  return composer;
}
