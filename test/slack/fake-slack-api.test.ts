import { LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../fakes/slack-api.ts';

/** The fake Slack Web API answers the real WebClient the way Slack does. */
const { ErrorCode, WebClient } = webApi;

describe('fake Slack Web API', () => {
  let fake: FakeSlackApi;
  let client: InstanceType<typeof WebClient>;
  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    client = new WebClient('xoxb-test', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
  });
  afterAll(async () => fake?.close());

  it('records posted messages with blocks and edits them', async () => {
    const blocks = [
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go' }],
      },
    ];
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'hello', blocks, thread_ts: '1.2' });
    expect(posted.ts).toBeTruthy();
    await client.chat.update({ channel: 'C1', ts: posted.ts ?? '', text: 'edited' });
    expect(fake.messages('C1')).toMatchObject([
      { text: 'edited', threadTs: '1.2', buttonLabels: ['Go'], edited: true },
    ]);
  });

  it('takes a files.uploadV2 upload and shows it in the channel', async () => {
    await client.filesUploadV2({
      channel_id: 'C2',
      filename: 'a.json',
      file: Buffer.from('{"a":1}'),
      initial_comment: 'export',
    });
    const [message] = fake.messages('C2');
    expect(message?.file?.name).toBe('a.json');
    expect(message?.file?.content.toString()).toBe('{"a":1}');
    expect(message?.text).toBe('export');
  });

  it('injects 429 with Retry-After, 5xx and platform errors', async () => {
    fake.failNext('chat.postMessage', { kind: 'rate-limited', retryAfterSeconds: 3 });
    const limited = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 3 });
    fake.failNext('chat.postMessage', { kind: 'server-error' });
    const failed = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    fake.failNext('chat.postMessage', { kind: 'error', error: 'channel_not_found' });
    const gone = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'channel_not_found' } });
  });
});
