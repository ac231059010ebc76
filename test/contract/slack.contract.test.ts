import { plainFromSlack, slackText } from '../../adapters/slack/escape.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import { HttpServer } from '../../src/http/server.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { CapturingLogger } from '../support/logger.ts';
import { adapterContract } from './adapter-contract.ts';

const SECRET = 'contract-signing-secret';

/** Real Bolt (HTTP mode, mounted on Hearth's HTTP server) against the fake Slack Web API. */
adapterContract('slack', async () => {
  const fake = await FakeSlackApi.start();
  const log = new CapturingLogger();
  const create = () =>
    new SlackAdapter({ botToken: 'xoxb-test', signingSecret: SECRET, apiUrl: fake.apiUrl, log });
  const adapter = create();
  const http = new HttpServer(log);
  adapter.mount(http);
  const port = await http.listen(0, '127.0.0.1');
  const signer = new SlackRequestSigner(SECRET, `http://127.0.0.1:${port}/slack/events`, fake);
  const dm = (userId: string) => `D${userId}`;
  // Slack escapes &, < and > in what users type.
  return {
    adapter,
    directChat: (userId) => ({ platform: 'slack', chatId: dm(userId) }),
    async userSays(userId, text) {
      const response = text.startsWith('/')
        ? await signer.slashCommand({
            userId,
            channelId: dm(userId),
            channelName: 'directmessage',
            command: text.split(' ')[0] ?? text,
            text: slackText(text.split(' ').slice(1).join(' ')),
          })
        : await signer.message({ userId, channelId: dm(userId), channelType: 'im', text: slackText(text) });
      if (response.status !== 200) throw new Error(`slack request answered ${response.status}`);
    },
    async delivered(address) {
      // What the user sees: Slack shows `&lt;` as `<`.
      return fake.messages(address.chatId).map((m) => ({
        text: plainFromSlack(m.text),
        ...(m.buttonLabels ? { buttonLabels: m.buttonLabels } : {}),
      }));
    },
    createAdapter: create,
    replyHandles: {
      async trigger(userId) {
        const response = await signer.slashCommand({
          userId,
          channelId: dm(userId),
          channelName: 'directmessage',
          text: 'help',
          responseUrl: fake.responseUrl(`handle-${userId}`),
        });
        if (response.status !== 200) throw new Error(`slack request answered ${response.status}`);
      },
      // Slack answers through a response_url when the bot cannot post in the chat.
      blockNextNormalSend: () =>
        fake.failNext('chat.postMessage', { kind: 'error', error: 'channel_not_found' }),
      deliveredViaHandle: () => fake.responses.map((r) => String(r.body.text ?? '')),
    },
    failNextSend(failure) {
      if (failure.kind === 'recipient-gone') {
        fake.failNext('chat.postMessage', { kind: 'error', error: 'account_inactive' });
      } else fake.failNext('chat.postMessage', failure);
    },
    async close() {
      await http.close();
      await fake.close();
    },
  };
});
