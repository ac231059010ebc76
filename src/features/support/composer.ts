import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { ActionEvent, MessageEvent } from '../../core/events.ts';
import type { AskBackRecord, AskBackStore } from './ask-backs.ts';
import type { SupportDecision } from './decide.ts';
import { REPLY_DEDUPE_PREFIX } from './delivery-outcomes.ts';
import type { FaqRecord, FaqStore } from './faq-store.ts';
import type { HandoffService } from './handoffs.ts';
import type { PhrasingLearner } from './learning.ts';
import type { AnswerChooser } from './llm.ts';
import type { RecentAnswers } from './recent-answers.ts';
import {
  ACTIONS,
  ASK_BACK_EXPIRED_TEXT,
  answerMessage,
  askBackMessage,
  COMPLAINT_TEXT,
  EMPTY_QUESTION_TEXT,
  FOLLOW_UP_TEXT,
  HANDED_OFF_TEXT,
  NO_HANDOFF_IN_THREAD_TEXT,
  NONE_CHOICE,
  NOT_HELPFUL_TEXT,
  PICKED_NONE_TEXT,
  SMALL_TALK_TEXT,
  THANKS_TEXT,
  URGENT_TEXT,
} from './render.ts';

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

/** A message made of one number: a reply to a numbered "Did you mean…". */
const NUMBERED_PICK = /^\s*(\d{1,2})\s*[.)]?\s*$/;

/** What the support composer works with. */
export interface SupportParts {
  faq: FaqStore;
  handoffs: HandoffService;
  recent: RecentAnswers;
  askBacks: AskBackStore;
  learner: PhrasingLearner;
  chooser?: AnswerChooser | undefined;
}

/**
 * Customers' questions (direct messages and group messages that mention the bot), their picks when
 * asked back, owners' replies in handoff threads, and the support buttons.
 */
export function supportComposer(parts: SupportParts) {
  const { faq, handoffs, recent, askBacks, learner, chooser } = parts;
  const composer = new Composer<HearthContext>();

  composer.on('message', async (ctx, next) => {
    if (ctx.isOwner) {
      const threadId = ctx.event.address.threadId;
      if (!threadId) return next();
      const handoff = await handoffs.byOwnerThread(threadId);
      if (!handoff) {
        await ctx.reply(NO_HANDOFF_IN_THREAD_TEXT);
        return;
      }
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
    await ctx.send(handoffs.customerAddress(handoff), content, {
      memberId: handoff.memberId,
      dedupeKey: `${REPLY_DEDUPE_PREFIX}${handoff.id}:${ctx.event.id}`,
    });
    ctx.services.wakeDelivery(); // a keyed row waits for a claim: ask for one now
    if (firstAnswer) {
      await ctx.reply(
        '✓ Sent to the customer (if it cannot be delivered, you are told here). Further replies in this thread are sent too; press Resolve when done.',
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
    const numbered = NUMBERED_PICK.exec(question);
    if (numbered) {
      const ask = await askBacks.latestOpen(ctx.memberId, address);
      if (ask) {
        await pickNumber(ctx, ask, Number(numbered[1]));
        return;
      }
    }
    let decision = faq.decide(question);
    const open = await handoffs.openFor(ctx.memberId);
    // While a question waits for a person, a new question the FAQ answers is answered; anything
    // else is a follow-up to the open question and joins its thread.
    if (open && decision.outcome !== 'answer') {
      await handoffs.followUp(open, question, senderName(ctx), faq.read(question).urgent);
      await ctx.reply(FOLLOW_UP_TEXT);
      return;
    }
    if (decision.outcome === 'reply') {
      await ctx.reply(SMALL_TALK_TEXT[decision.kind]);
      return;
    }
    const { metrics } = ctx.services;
    await metrics.record({ type: 'question_asked', platform: address.platform, memberId: ctx.memberId });
    if (chooser && !open) decision = await chooser.refine(question, decision, (id) => faq.get(id));
    await act(ctx, question, decision);
  }

  /** Carries out a decision for a customer's question. */
  async function act(ctx: MessageContext, question: string, decision: SupportDecision): Promise<void> {
    const { address } = ctx.event;
    const { metrics } = ctx.services;
    if (decision.outcome === 'answer') {
      const entry = faq.get(decision.entryId);
      if (entry) {
        await sendAnswer(ctx, entry, question, decision.match.answerProbability, 'matched');
        return;
      }
    }
    if (decision.outcome === 'ask') {
      const choices = decision.choices.flatMap((id) => faq.get(id) ?? []);
      if (choices.length > 0) {
        const ask = await askBacks.create({
          memberId: ctx.memberId,
          customer: address,
          question,
          choices: choices.map((entry) => entry.id),
        });
        await ctx.reply(askBackMessage(ask.id, choices, ctx.capabilities?.buttons === true));
        await metrics.record({
          type: 'question_asked_back',
          platform: address.platform,
          memberId: ctx.memberId,
          value: decision.match.answerProbability,
          data: { askBackId: ask.id, choices: ask.choices },
        });
        return;
      }
    }
    const reason = decision.outcome === 'handoff' ? decision.reason : 'unsure';
    const match = decision.outcome === 'reply' ? null : decision.match;
    const best = match?.candidates[0];
    await handoffs.open({
      memberId: ctx.memberId,
      customer: address,
      customerName: senderName(ctx),
      question,
      matchedFaqId: best?.id ?? null,
      confidence: best && match ? match.answerProbability : null,
      candidateIds: match?.candidates.map((candidate) => candidate.id) ?? [],
      reason,
    });
    await ctx.reply(
      reason === 'urgent' ? URGENT_TEXT : reason === 'complaint' ? COMPLAINT_TEXT : HANDED_OFF_TEXT,
    );
  }

  async function sendAnswer(
    ctx: HearthContext,
    entry: FaqRecord,
    question: string,
    confidence: number,
    via: 'matched' | 'picked',
  ): Promise<void> {
    await ctx.reply(answerMessage(entry, ctx.capabilities?.buttons === true));
    recent.remember(ctx.memberId, entry.id, question);
    await ctx.services.metrics.record({
      type: 'question_answered',
      platform: ctx.event.address.platform,
      memberId: ctx.memberId,
      value: confidence,
      data: { faqId: entry.id, via },
    });
  }

  /** A numbered reply to "Did you mean…": 1..n picks an entry, n+1 is "something else". */
  async function pickNumber(ctx: HearthContext, ask: AskBackRecord, number: number): Promise<void> {
    if (number >= 1 && number <= ask.choices.length) {
      await pick(ctx, ask, number - 1);
    } else if (number === ask.choices.length + 1) {
      await pick(ctx, ask, null);
    } else {
      await ctx.reply(`Please reply with a number from 1 to ${ask.choices.length + 1}.`);
    }
  }

  /** The customer's pick: the entry's answer (and a confirmation to learn from), or a person. */
  async function pick(ctx: HearthContext, ask: AskBackRecord, index: number | null): Promise<void> {
    const faqId = index === null ? null : (ask.choices[index] ?? null);
    const entry = faqId ? faq.get(faqId) : undefined;
    if (!(await askBacks.close(ask, entry ? entry.id : null))) {
      await ctx.reply(ASK_BACK_EXPIRED_TEXT);
      return;
    }
    const { address } = ctx.event;
    if (entry) {
      await sendAnswer(ctx, entry, ask.question, 1, 'picked');
      await ctx.services.metrics.record({
        type: 'ask_back_picked',
        platform: address.platform,
        memberId: ctx.memberId,
        data: { askBackId: ask.id, faqId: entry.id, position: (index ?? 0) + 1 },
      });
      await learner.confirm(entry.id, ask.question, 'pick');
      return;
    }
    await handoffs.open({
      memberId: ctx.memberId,
      customer: address,
      customerName: senderName(ctx),
      question: ask.question,
      matchedFaqId: ask.choices[0] ?? null,
      confidence: null,
      candidateIds: ask.choices,
      reason: 'picked_none',
    });
    await ctx.reply(PICKED_NONE_TEXT);
  }

  composer.action(ACTIONS.pick, async (ctx) => {
    const [askId = '', choice = ''] = (ctx.event.value ?? '').split(':');
    const ask = await askBacks.find(askId);
    if (!ask || ask.memberId !== ctx.memberId) {
      await ctx.reply(ASK_BACK_EXPIRED_TEXT);
      return;
    }
    const index = choice === NONE_CHOICE ? null : Number(choice);
    if (index !== null && !(Number.isInteger(index) && index >= 0 && index < ask.choices.length)) {
      await ctx.reply(ASK_BACK_EXPIRED_TEXT);
      return;
    }
    await pick(ctx, ask, index);
  });

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
      candidateIds: entry ? [entry.id] : [],
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
  /** "Save answer as FAQ" opens an edit step: a prefilled command the owner edits and sends. */
  ownerAction(ACTIONS.saveAnswer, async (ctx, handoffId) => {
    const handoff = await handoffs.find(handoffId);
    if (!handoff) {
      await ctx.reply('That handoff no longer exists.');
      return;
    }
    const draft = await handoffs.faqDraft(handoff);
    const text =
      'error' in draft
        ? draft.error
        : [
            '📝 Edit before saving: the FAQ answers every customer with it, so make it fit anyone.',
            'Send this (changed as you like) to save it:',
            `/hearth faq add ${draft.question.replace(/\|/g, '/').replace(/\s+/g, ' ')} | ${draft.answer}`,
          ].join('\n');
    await ctx.send(handoffs.ownerAddress(handoff), text);
  });
  ownerAction(ACTIONS.savePhrasing, learn('phrasing'));

  /** An owner links a handed-over question to the entry it asks about: it becomes a phrasing. */
  ownerAction(ACTIONS.link, async (ctx, value) => {
    const [handoffId = '', faqId = ''] = value.split(':');
    const handoff = await handoffs.find(handoffId);
    const entry = faq.get(faqId);
    if (!handoff || !entry) {
      await ctx.reply('That handoff or FAQ entry no longer exists.');
      return;
    }
    const result = await learner.confirm(entry.id, handoff.question, 'link');
    const text =
      result.kind === 'known'
        ? `The FAQ “${entry.question}” already has that wording.`
        : `➕ Added “${handoff.question.slice(0, 200)}” as a phrasing of FAQ “${entry.question}”. Press Resolve once they have their answer.`;
    await ctx.send(handoffs.ownerAddress(handoff), text);
  });

  ownerAction(ACTIONS.addPhrasing, async (ctx, candidateId) => {
    const candidate = await learner.find(candidateId);
    const entry = await learner.accept(candidateId);
    await ctx.reply(
      entry && candidate
        ? `➕ Added “${candidate.text.slice(0, 200)}” as a phrasing of FAQ “${entry.question}”.`
        : 'That wording was already added or dismissed.',
    );
  });

  ownerAction(ACTIONS.dismissPhrasing, async (ctx, candidateId) => {
    const dismissed = await learner.dismiss(candidateId);
    await ctx.reply(
      dismissed
        ? '✖ Dismissed; the bot will not suggest it again.'
        : 'That wording was already added or dismissed.',
    );
  });

  return composer;
}
