import type { HearthContext } from '../app/context.ts';
import type { FeatureFactory } from '../app/feature.ts';
import { Composer } from '../core/composer.ts';

/** Last in line: an unknown command gets a short helpful answer, never silence. */
export const fallbackFeature: FeatureFactory = () => {
  const composer = new Composer<HearthContext>();
  composer.on('command', async (ctx) => {
    await ctx.reply(`I don't know the command /${ctx.event.name}. Send /help to see what I can do.`);
  });
  composer.on('message', async (ctx) => {
    if (ctx.event.isDirect) {
      await ctx.reply('Thanks for your message! Send /help to see what I can do.');
    }
  });
  return { name: 'fallback', composer };
};
