import type { HearthContext } from '../app/context.ts';
import type { OwnerCommand } from '../app/feature.ts';
import { header, Mrkdwn, mrkdwn, section } from '../core/blocks.ts';
import { Composer } from '../core/composer.ts';
import { UserFacingError } from '../core/errors.ts';
import type { OutboundContent } from '../core/outbound.ts';
import { OwnerDrafts } from './drafts.ts';

/** The owners' command; Slack's slash command `/hearth` and the console owner view both send it. */
export const OWNER_COMMAND = 'hearth';

/** Buttons under a preview: post it, or drop it. */
export const POST_ACTION = 'hearth:post';
export const DISCARD_ACTION = 'hearth:discard';
/** `--now` as the first or last word skips the preview (for scripts). */
const NOW_FLAG = /^--now(?:\s+|$)|\s+--now$/;

/** Block Kit for a help listing, with a plain-text fallback. */
function helpReply(commands: readonly OwnerCommand[]) {
  const lines = commands.map((c) => `\`/hearth ${c.usage}\` - ${c.summary}`);
  const marked = commands.map((c) => mrkdwn`\`/hearth ${c.usage}\` - ${c.summary}`);
  return {
    text: `Hearth owner commands:\n${lines.join('\n')}`,
    blocks: [header('Hearth owner commands'), section(Mrkdwn.join(marked))],
  };
}

/**
 * Routes `/hearth <sub> ...` to the feature that owns `<sub>`, after checking the sender is an owner.
 * A refused attempt is answered briefly and logged; an unknown subcommand gets the list.
 */
export function ownerRouter(commands: readonly OwnerCommand[]): Composer<HearthContext> {
  const byName = new Map<string, OwnerCommand>();
  for (const command of commands) {
    if (byName.has(command.name)) throw new Error(`two features define /hearth ${command.name}`);
    byName.set(command.name, command);
  }
  const help: OwnerCommand = {
    name: 'help',
    usage: 'help',
    summary: 'this list',
    run: async (ctx) => {
      await ctx.reply(helpReply([...byName.values(), help]));
    },
  };
  const composer = new Composer<HearthContext>();
  composer.command(OWNER_COMMAND, async (ctx) => {
    const { event } = ctx;
    if (!ctx.isOwner) {
      ctx.log.warn(
        { platform: event.address.platform, chatId: event.address.chatId, userId: event.sender.userId },
        'owner command refused: sender is not an owner',
      );
      await ctx.reply('Sorry, /hearth commands are only for the owners of this business.');
      return;
    }
    const [first = 'help', ...rest] = event.args.split(/\s+/).filter(Boolean);
    const name = first.toLowerCase();
    const command = name === 'help' ? help : byName.get(name);
    if (!command) {
      await ctx.reply(`Unknown command "${name}". Send /hearth help for the list.`);
      return;
    }
    const args = rest.join(' ');
    try {
      if (command.preview && !NOW_FLAG.test(args)) {
        const preview = await command.preview(ctx, args);
        if (preview) {
          const drafts = new OwnerDrafts(ctx.services.db, ctx.services.now);
          const id = await drafts.save(command.name, args, event.sender.userId);
          await ctx.reply(withPostButtons(preview, id));
          return;
        }
      }
      await command.run(ctx, args.replace(NOW_FLAG, '').trim());
    } catch (error) {
      if (!(error instanceof UserFacingError)) throw error;
      await ctx.reply(`${error.message}\nUsage: /hearth ${command.usage}`);
    }
  });

  composer.action(/^hearth:(?:post|discard)$/, async (ctx) => {
    if (!ctx.isOwner) {
      await ctx.reply('Only the owners can do that.');
      return;
    }
    const drafts = new OwnerDrafts(ctx.services.db, ctx.services.now);
    const draft = await drafts.take(ctx.event.value ?? '');
    if (!draft) {
      await ctx.reply('That preview was already posted, cancelled or is too old; send the command again.');
      return;
    }
    if (ctx.event.actionId === DISCARD_ACTION) {
      await ctx.reply('Cancelled: nothing was posted.');
      return;
    }
    const command = byName.get(draft.command);
    if (!command) return;
    try {
      await command.run(ctx, draft.args);
    } catch (error) {
      if (!(error instanceof UserFacingError)) throw error;
      await ctx.reply(`${error.message}\nUsage: /hearth ${command.usage}`);
    }
  });
  return composer;
}

function withPostButtons(preview: OutboundContent, draftId: string): OutboundContent {
  return {
    ...preview,
    buttons: [
      ...(preview.buttons ?? []),
      [
        { actionId: POST_ACTION, label: 'Post', value: draftId },
        { actionId: DISCARD_ACTION, label: 'Cancel', value: draftId },
      ],
    ],
  };
}
