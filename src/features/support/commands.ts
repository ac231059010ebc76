import type { HearthContext } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { FaqStore } from './faq-store.ts';
import type { HandoffService } from './handoffs.ts';
import { faqListText } from './render.ts';

/** Splits `"question" "answer"` (straight or curly quotes) or `question | answer` into two texts. */
export function parseQuestionAnswer(args: string): { question: string; answer: string } | null {
  const quoted = [...args.matchAll(/["“”]([^"“”]+)["“”]/g)].map((match) => (match[1] ?? '').trim());
  if (quoted.length >= 2 && quoted[0] && quoted[1]) return { question: quoted[0], answer: quoted[1] };
  const [question, ...rest] = args.split('|');
  const answer = rest.join('|').trim();
  if (question?.trim() && answer) return { question: question.trim(), answer };
  return null;
}

/** `/hearth faq list|add|remove` and `/hearth resolve <id>`. */
export function supportOwnerCommands(faq: FaqStore, handoffs: HandoffService): OwnerCommand[] {
  const faqCommand: OwnerCommand = {
    name: 'faq',
    usage: 'faq list | faq add "question" "answer" | faq remove <id>',
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
        case 'remove': {
          const id = restWords[0];
          const entry = id ? faq.find(id) : undefined;
          if (!entry)
            throw new UserFacingError(`No FAQ entry ${id ?? ''} (use the id from /hearth faq list).`);
          await faq.remove(entry.id);
          await ctx.reply(`Removed FAQ ${entry.id.slice(0, 8)}: “${entry.question}”.`);
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
