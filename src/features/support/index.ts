import type { FeatureFactory } from '../../app/feature.ts';
import { AskBackStore } from './ask-backs.ts';
import { supportOwnerCommands } from './commands.ts';
import { supportComposer } from './composer.ts';
import { supportDeliveryListener } from './delivery-outcomes.ts';
import { FaqStore } from './faq-store.ts';
import { HandoffService } from './handoffs.ts';
import { PhrasingLearner } from './learning.ts';
import { AnswerChooser } from './llm.ts';
import { RecentAnswers } from './recent-answers.ts';
import { seedFaq } from './seed.ts';

/**
 * Support: customers' questions are answered from the FAQ when the matcher is confident, asked back
 * ("Did you mean…", up to three entries) when it is unsure, and otherwise handed to the owners in a
 * thread of their channel (urgent ones flagged), whose replies are relayed back; thanks and small
 * talk get a friendly reply. Customers' picks and owners' links teach the FAQ new phrasings (after
 * an owner's click, or after N confirmations). Owners resolve handoffs and turn their answers into
 * FAQ entries with one click.
 */
/** How often the FAQ table is checked for edits made by another instance. */
const FAQ_REFRESH_MS = 30_000;

export const supportFeature: FeatureFactory = (services) => {
  const faq = new FaqStore(services.db);
  const handoffs = new HandoffService(services, faq);
  const learner = new PhrasingLearner(services, faq);
  const { config } = services;
  const chooser = config.SUPPORT_LLM_URL
    ? new AnswerChooser(
        {
          url: config.SUPPORT_LLM_URL,
          ...(config.SUPPORT_LLM_API_KEY ? { apiKey: config.SUPPORT_LLM_API_KEY } : {}),
          model: config.SUPPORT_LLM_MODEL,
          timeoutMs: config.SUPPORT_LLM_TIMEOUT_MS,
          businessName: config.BUSINESS_NAME,
        },
        services.log.child({ part: 'support-llm' }),
      )
    : undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  return {
    name: 'support',
    composer: supportComposer({
      faq,
      handoffs,
      recent: new RecentAnswers(),
      askBacks: new AskBackStore(services),
      learner,
      chooser,
    }),
    ownerCommands: supportOwnerCommands(faq, handoffs, learner),
    async start() {
      await faq.reload();
      const seeded = await seedFaq(faq, services.config.SUPPORT_FAQ_SEED);
      if (seeded > 0) services.log.info({ seeded }, 'FAQ seeded with example entries');
      services.log.info({ entries: faq.size }, 'FAQ loaded');
      refreshTimer = setInterval(() => {
        faq.refreshIfChanged().then(
          (changed) => {
            if (changed) services.log.info({ entries: faq.size }, 'FAQ reloaded after an outside change');
          },
          (error: unknown) => services.log.warn({ err: error }, 'FAQ refresh failed; keeping the loaded FAQ'),
        );
      }, FAQ_REFRESH_MS);
      refreshTimer.unref();
    },
    async stop() {
      if (refreshTimer) clearInterval(refreshTimer);
    },
    delivery: supportDeliveryListener(services, handoffs),
  };
};
