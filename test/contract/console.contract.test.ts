import { ConsoleAdapter, ConsoleHub } from '../../adapters/console/index.ts';
import { adapterContract } from './adapter-contract.ts';

adapterContract(
  'console',
  async () => {
    const hub = new ConsoleHub(100);
    const adapter = new ConsoleAdapter('telegram', hub);
    return {
      adapter,
      createAdapter: () => new ConsoleAdapter('telegram', hub),
      refusesUnrecorded: true,
      directChat: (userId) => ({ platform: 'telegram', chatId: userId }),
      async userSays(userId, text) {
        await hub.message({ platform: 'telegram', userId, name: userId, text });
      },
      async delivered(address) {
        return hub.transcript
          .after(0, (e) => e.direction === 'out' && e.chatId === address.chatId)
          .map((e) => ({
            text: e.text,
            ...(e.buttons ? { buttonLabels: e.buttons.flat().map((b) => b.label) } : {}),
          }));
      },
      close: async () => {},
    };
  },
  { failures: false },
);
