import { DiscordAdapter } from '../../adapters/discord/index.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import {
  commandInteraction,
  discordUserId,
  dmChannelIdOf,
  dmMessage,
  shownText,
} from '../fakes/discord-wire.ts';
import { CapturingLogger } from '../support/logger.ts';
import { adapterContract } from './adapter-contract.ts';

const TOKEN = 'fake.discord.bot-token';

/** Button labels of a message's action rows. */
function labelsOf(body: Record<string, unknown>): string[] | undefined {
  const rows = body.components as { components?: { label?: string }[] }[] | undefined;
  return rows?.flatMap((row) => (row.components ?? []).map((b) => String(b.label)));
}

/** The real discord.js (REST + gateway) against the fake Discord. */
adapterContract(
  'discord',
  async () => {
    const fake = await FakeDiscordApi.start();
    const create = () =>
      new DiscordAdapter({ token: TOKEN, apiUrl: fake.apiUrl, log: new CapturingLogger() });
    const adapter = create();
    return {
      adapter,
      directChat: (userId) => ({ platform: 'discord', chatId: dmChannelIdOf(discordUserId(userId)) }),
      platformUserId: (userId) => discordUserId(userId),
      createAdapter: create,
      async userSays(userId, text) {
        fake.gateway.dispatch('MESSAGE_CREATE', dmMessage(userId, text));
      },
      async delivered(address) {
        return fake.sent(address.chatId).map((m) => {
          const labels = labelsOf(m.body);
          return { text: m.shown, ...(labels ? { buttonLabels: labels } : {}) };
        });
      },
      failNextSend(failure) {
        if (failure.kind === 'rate-limited')
          fake.failNext({ kind: 'rate-limited', retryAfterSeconds: failure.retryAfterSeconds }, '/messages');
        else if (failure.kind === 'recipient-gone') fake.failNext({ kind: 'cannot-dm' }, '/messages');
        else fake.failNext({ kind: 'server-error' }, '/messages');
      },
      replyHandles: {
        async trigger(userId) {
          fake.gateway.dispatch('INTERACTION_CREATE', commandInteraction(userId, 'help'));
        },
        // Discord answers through the interaction token whenever it is valid: nothing to block.
        blockNextNormalSend: () => {},
        deliveredViaHandle: () => fake.webhookSends.map((s) => shownText(String(s.body.content ?? ''))),
      },
      close: () => fake.close(),
    };
  },
  { failures: true },
);
