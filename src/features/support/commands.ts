import type { HearthContext } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { FaqStore } from './faq-store.ts';
import type { HandoffService } from './handoffs.ts';
import type { PhrasingLearner } from './learning.ts';
import { englishWords } from './matcher-concepts.ts';
import { faqListText, pendingPhrasingsMessage, wordsListText } from './render.ts';

/** Splits `"question" "answer"` (straight or curly quotes) or `question | answer` into two texts. */
export function parseQuestionAnswer(args: string): { question: string; answer: string } | null {
  const quoted = [...args.matchAll(/["“”]([^"“”]+)["“”]/g)].map((match) => (match[1] ?? '').trim());
  if (quoted.length >= 2 && quoted[0] && quoted[1]) return { question: quoted[0], answer: quoted[1] };
  const [question, ...rest] = args.split('|');
  const answer = rest.join('|').trim();
  if (question?.trim() && answer) return { question: question.trim(), answer };
  return null;
}

/** Words of `faq words add a, b, c` (commas or quotes separate them; a phrase may have spaces). */
export function parseWordList(args: string): string[] {
  const quoted = [...args.matchAll(/["“”]([^"“”]+)["“”]/g)].map((match) => (match[1] ?? '').trim());
  const parts = quoted.length > 0 ? quoted : args.includes(',') ? args.split(',') : args.split(/\s+/);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/** `/hearth faq words …`: see and extend the matcher's vocabulary. */
async function wordsCommand(ctx: HearthContext, faq: FaqStore, args: string): Promise<void> {
  const [sub = '', ...rest] = args.trim().split(/\s+/);
  const restText = args.trim().slice(sub.length).trim();
  switch (sub.toLowerCase()) {
    case '':
    case 'list': {
      const words = englishWords();
      const rewrites = Object.keys(words.casual).length + Object.keys(words.spellings).length;
      const builtIn = { groups: words.groups.length, rewrites, phrases: Object.keys(words.phrases).length };
      await ctx.reply(wordsListText(builtIn, faq.words()));
      return;
    }
    case 'add': {
      const list = parseWordList(restText);
      if (list.length < 2)
        throw new UserFacingError('Give at least two words that mean the same, e.g. fringe, bangs.');
      const added = await faq.addWords('group', list, ctx.event.sender.userId);
      await ctx.reply(
        `Added word group ${added.id.slice(0, 8)}: ${added.words.join(', ')} (read as “${added.words[0]}”).`,
      );
      return;
    }
    case 'urgent': {
      const list = parseWordList(
        restText.includes(',') || restText.includes('"') ? restText : `"${restText}"`,
      );
      if (list.length === 0)
        throw new UserFacingError('Give the urgent phrase, e.g. /hearth faq words urgent gas leak.');
      const added = await faq.addWords('urgent', list, ctx.event.sender.userId);
      await ctx.reply(
        `Added urgent phrase ${added.id.slice(0, 8)}: ${added.words.join(', ')}. Messages with it go to you flagged urgent.`,
      );
      return;
    }
    case 'remove': {
      const removed = rest[0] ? await faq.removeWords(rest[0]) : null;
      if (!removed)
        throw new UserFacingError(`No word entry ${rest[0] ?? ''} (use the id from /hearth faq words).`);
      await ctx.reply(
        `Removed ${removed.kind === 'urgent' ? 'urgent phrase' : 'word group'}: ${removed.words.join(', ')}.`,
      );
      return;
    }
    default:
      throw new UserFacingError(`Unknown faq words subcommand "${sub}".`);
  }
}

/** `/hearth faq learn auto N | manual`: when customers' confirmed wordings become phrasings. */
async function learnCommand(ctx: HearthContext, learner: PhrasingLearner, args: string): Promise<void> {
  const [mode = '', count = ''] = args.trim().toLowerCase().split(/\s+/);
  if (mode === 'manual') {
    await learner.setAutoAfter(0);
    await ctx.reply('Customer wordings now wait for your click before they become phrasings.');
    return;
  }
  if (mode === 'auto' && /^\d{1,3}$/.test(count) && Number(count) >= 1) {
    await learner.setAutoAfter(Number(count));
    await ctx.reply(`A customer wording becomes a phrasing by itself once it is confirmed ${count} times.`);
    return;
  }
  const now = await learner.autoAfter();
  await ctx.reply(
    `${now > 0 ? `Wordings are added by themselves after ${now} confirmations.` : 'Wordings wait for your click.'} ` +
      'Change with /hearth faq learn auto <N> or /hearth faq learn manual.',
  );
}

/** `/hearth faq …`, `/hearth resolve <id>`. */
export function supportOwnerCommands(
  faq: FaqStore,
  handoffs: HandoffService,
  learner: PhrasingLearner,
): OwnerCommand[] {
  const faqCommand: OwnerCommand = {
    name: 'faq',
    usage:
      'faq list | faq add "question" "answer" | faq edit <id> "question" "answer" | faq remove <id> | faq words [add|urgent|remove …] | faq pending | faq learn [auto N|manual] | faq link <handoff id> <faq id>',
    summary: 'the FAQ the bot answers customers from',
    async run(ctx: HearthContext, args: string) {
      const [sub = 'list', ...restWords] = args.trim().split(/\s+/);
      const rest = args.trim().slice(sub.length).trim();
      switch (sub.toLowerCase()) {
        case 'list':
          await ctx.reply(faqListText(faq.list()));
          return;
        case 'add': {
          const parsed = parseQuestionAnswer(rest);
          if (!parsed) throw new UserFacingError('Give the question and the answer, each in quotes.');
          const entry = await faq.add(parsed.question, parsed.answer, ctx.event.sender.userId);
          await ctx.reply(`Added FAQ ${entry.id.slice(0, 8)}: “${entry.question}”.`);
          return;
        }
        case 'edit': {
          const id = restWords[0] ?? '';
          const entry = id ? faq.find(id) : undefined;
          if (!entry) throw new UserFacingError(`No FAQ entry ${id} (use the id from /hearth faq list).`);
          const parsed = parseQuestionAnswer(rest.slice(id.length).trim());
          if (!parsed) throw new UserFacingError('Give the new question and answer, each in quotes.');
          const edited = await faq.edit(entry.id, parsed.question, parsed.answer);
          await ctx.reply(
            edited
              ? `Edited FAQ ${entry.id.slice(0, 8)}: “${edited.question}”.`
              : 'That entry was just removed.',
          );
          return;
        }
        case 'remove': {
          const id = restWords[0];
          const entry = id ? faq.find(id) : undefined;
          if (!entry)
            throw new UserFacingError(`No FAQ entry ${id ?? ''} (use the id from /hearth faq list).`);
          await faq.remove(entry.id);
          await ctx.reply(`Removed FAQ ${entry.id.slice(0, 8)}: “${entry.question}”.`);
          return;
        }
        case 'words':
          await wordsCommand(ctx, faq, rest);
          return;
        case 'learn':
          await learnCommand(ctx, learner, rest);
          return;
        case 'pending':
          await ctx.reply(pendingPhrasingsMessage(await learner.waiting(), (id) => faq.get(id)));
          return;
        case 'link': {
          const [handoffId = '', faqId = ''] = restWords;
          const handoff = handoffId ? await handoffs.find(handoffId) : null;
          const entry = faqId ? faq.find(faqId) : undefined;
          if (!handoff || !entry)
            throw new UserFacingError('Give a handoff id and a FAQ id (from /hearth faq list).');
          const result = await learner.confirm(entry.id, handoff.question, 'link');
          await ctx.reply(
            result.kind === 'known'
              ? `The FAQ “${entry.question}” already has that wording.`
              : `➕ Added “${handoff.question.slice(0, 200)}” as a phrasing of FAQ “${entry.question}”.`,
          );
          return;
        }
        default:
          throw new UserFacingError(`Unknown faq subcommand "${sub}".`);
      }
    },
  };
  const resolveCommand: OwnerCommand = {
    name: 'resolve',
    usage: 'resolve <handoff id>',
    summary: 'close a handed-off customer question',
    async run(ctx: HearthContext, args: string) {
      const handoff = args.trim() ? await handoffs.find(args.trim()) : null;
      if (!handoff) throw new UserFacingError(`No handoff ${args.trim()} (the id is in its thread).`);
      const closed = await handoffs.resolve(handoff);
      await ctx.reply(
        closed
          ? `✅ Handoff ${handoff.id.slice(0, 8)} resolved.`
          : `Handoff ${handoff.id.slice(0, 8)} was already resolved.`,
      );
    },
  };
  return [faqCommand, resolveCommand];
}
