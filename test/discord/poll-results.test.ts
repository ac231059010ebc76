import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../adapters/discord/index.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import { dmMessage, FAKE_CHANNEL_ID } from '../fakes/discord-wire.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

describe("a native poll's final counts are reconciled with Hearth's (real discord.js, fake Discord)", {
  timeout: 90_000,
}, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  /** An adapter whose Hearth recorded `hearth` votes per option for every poll; notes are kept. */
  async function setUp(hearth: number[]) {
    const fake = await FakeDiscordApi.start();
    cleanup.push(() => fake.close());
    const notes: { text: string; dedupeKey?: string }[] = [];
    const asked: string[] = [];
    const received: InboundEvent[] = [];
    const log = new CapturingLogger();
    const adapter = new DiscordAdapter({ token: 't', apiUrl: fake.apiUrl, log });
    await adapter.start(
      adapterContext(
        async (event) => {
          received.push(event);
          return { handled: true, enqueued: 0 };
        },
        {
          platform: 'discord',
          log,
          tellOwners: async (text, dedupeKey) => {
            notes.push({ text, ...(dedupeKey ? { dedupeKey } : {}) });
          },
          pollVotes: async (messageId) => {
            asked.push(messageId);
            return hearth;
          },
        },
      ),
    );
    cleanup.push(() => adapter.stop());
    await fake.gateway.whenConnected();
    const sent = await adapter.send({
      id: 'outbox-poll-1',
      to: { platform: 'discord', chatId: FAKE_CHANNEL_ID },
      text: 'Rye or spelt?',
      poll: {
        pollId: 'p1',
        question: 'Rye or spelt?',
        options: ['Rye', 'Spelt'],
        multi: false,
        anonymous: false,
      },
    });
    const pollMessage = fake.message(sent.messageId);
    if (!pollMessage?.poll) throw new Error('no native poll was posted');
    /** Dispatches a DM and waits for it: every dispatch before it was seen by then. */
    const settled = async (text: string) => {
      fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('zed', text));
      await until(() => received.find((e) => 'text' in e && e.text === text), `the DM "${text}"`);
    };
    return { fake, adapter, notes, asked, log, settled, messageId: sent.messageId };
  }

  /** A MESSAGE_UPDATE as Discord sends it when a poll is finalized, with these counts. */
  const finalized = (messageId: string, counts: number[]) => ({
    id: messageId,
    channel_id: FAKE_CHANNEL_ID,
    type: 0,
    poll: {
      question: { text: 'Rye or spelt?' },
      answers: counts.map((_, i) => ({ answer_id: i + 1, poll_media: { text: ['Rye', 'Spelt'][i] } })),
      results: {
        is_finalized: true,
        answer_counts: counts.map((count, i) => ({ id: i + 1, count, me_voted: false })),
      },
    },
  });

  it('a finalized MESSAGE_UPDATE that disagrees: logged and the owners told once, with both counts', async () => {
    const { fake, notes, log, settled, messageId } = await setUp([1, 0]);
    fake.gateway.dispatch('MESSAGE_UPDATE', finalized(messageId, [2, 1]));
    await until(() => notes.length > 0 || undefined, 'the note to the owners');
    fake.gateway.dispatch('MESSAGE_UPDATE', finalized(messageId, [2, 1]));
    await settled('after the second update');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toContain('Discord 2 / 1');
    expect(notes[0]?.text).toContain('Hearth 1 / 0');
    expect(notes[0]?.dedupeKey).toBe(`discord-poll-counts:${messageId}`);
    expect(log.entries.filter((e) => e.level === 'warn' && e.msg.includes('differ'))).toHaveLength(1);
  });

  it('results not yet finalized are not compared; counts that agree tell nobody', async () => {
    const { fake, notes, asked, settled, messageId } = await setUp([2, 1]);
    const open = finalized(messageId, [5, 5]);
    (open.poll.results as { is_finalized: boolean }).is_finalized = false;
    fake.gateway.dispatch('MESSAGE_UPDATE', open);
    fake.gateway.dispatch('MESSAGE_UPDATE', finalized(messageId, [2, 1]));
    await until(() => asked.length > 0 || undefined, 'the comparison');
    await settled('after the updates');
    expect(asked).toEqual([messageId]);
    expect(notes).toHaveLength(0);
  });

  it('an early end (expire): its answer and the MESSAGE_UPDATE after it tell the owners once', async () => {
    const { fake, adapter, notes, asked, settled, messageId } = await setUp([0, 0]);
    fake.vote('ada', messageId, 1, true);
    await adapter.send({
      id: 'outbox-close-1',
      to: { platform: 'discord', chatId: FAKE_CHANNEL_ID },
      text: 'The poll is closed.',
      stopPoll: { messageId },
    });
    expect(fake.message(messageId)?.poll?.finalized).toBe(true);
    await until(() => notes.length > 0 || undefined, 'the note to the owners');
    await settled('after the early end');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toContain('Discord 1 / 0');
    expect(notes[0]?.text).toContain('Hearth 0 / 0');
    expect(asked).toEqual([messageId]);
  });
});
