import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureFactory } from '../../src/app/feature.ts';
import { UserFacingError } from '../../src/core/errors.ts';
import { FEATURES } from '../../src/features/index.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

/** A feature with one owner subcommand, to exercise the router. */
const echoFeature: FeatureFactory = () => ({
  name: 'echo',
  ownerCommands: [
    {
      name: 'echo',
      usage: 'echo <text>',
      summary: 'repeats the text',
      run: async (ctx, args) => {
        if (!args) throw new UserFacingError('Say what to echo.');
        await ctx.reply({ text: `echo: ${args}` });
      },
    },
  ],
});

describe('owner router (/hearth) through the console', () => {
  let app: TestHearth;
  beforeAll(async () => {
    const database = await TEST_DATABASES[0]!.open();
    app = await startTestHearth({ database, features: [echoFeature, ...FEATURES] });
  }, 180_000);
  afterAll(async () => app?.stop());

  async function say(platform: string, chatId: string, text: string) {
    const res = await app.post('/console/api/messages', { platform, userId: 'U1', chatId, text });
    expect(res.status).toBe(200);
    return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text);
  }

  it('runs a subcommand for an owner in the owners channel', async () => {
    expect(await say('slack', '#owners', '/hearth echo hello')).toEqual(['echo: hello']);
  });

  it('lists subcommands on help and on an unknown one', async () => {
    const [help] = await say('slack', '#owners', '/hearth help');
    expect(help).toContain('/hearth echo <text>');
    const [unknown] = await say('slack', '#owners', '/hearth frob');
    expect(unknown).toMatch(/Unknown command "frob".*\/hearth help/s);
  });

  it('answers a UserFacingError in plain words with the usage', async () => {
    const [reply] = await say('slack', '#owners', '/hearth echo');
    expect(reply).toBe('Say what to echo.\nUsage: /hearth echo <text>');
  });

  it('refuses non-owners (another Slack channel, a customer platform) and logs the attempt', async () => {
    expect(await say('slack', '#random', '/hearth echo hi')).toEqual([
      expect.stringMatching(/only for the owners/),
    ]);
    expect(await say('telegram', 'U1', '/hearth echo hi')).toEqual([
      expect.stringMatching(/only for the owners/),
    ]);
    expect(app.log.find('warn', 'owner command refused')).toHaveLength(2);
  });
});
