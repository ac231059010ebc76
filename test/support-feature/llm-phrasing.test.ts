import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

/** A fake OpenAI-compatible chat-completions endpoint on 127.0.0.1. */
async function startFakeLlm() {
  const requests: { authorization: string | undefined; body: ChatRequest }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ authorization: req.headers.authorization, body });
      const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const question = user.slice(user.indexOf('Customer question:'));
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      if (question.includes('delivery fee')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        return;
      }
      const content = question.includes('Sunday')
        ? 'ABSTAIN'
        : 'Sure! We are open Mon-Fri 9-18 and Sat 10-16.';
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(TEST_DATABASES)('support with an LLM phrasing answers (fake endpoint, $name)', (kind) => {
  let llm: Awaited<ReturnType<typeof startFakeLlm>>;
  let app: TestHearth;

  beforeAll(async () => {
    llm = await startFakeLlm();
    app = await startTestHearth({
      database: await kind.open(),
      env: { SUPPORT_LLM_URL: llm.url, SUPPORT_LLM_API_KEY: 'sk-test', SUPPORT_LLM_MODEL: 'tiny' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await llm?.close();
  });

  async function ask(userId: string, text: string): Promise<string> {
    const res = await app.post('/console/api/messages', { platform: 'telegram', userId, text });
    expect(res.status).toBe(200);
    return (res.body as { replies: { text: string }[] }).replies[0]?.text ?? '';
  }

  it('sends only the matched FAQ entries and uses the phrased answer', async () => {
    expect(await ask('lia', 'when are you open?')).toContain('Sure! We are open Mon-Fri');
    const request = llm.requests.at(-1);
    expect(request?.authorization).toBe('Bearer sk-test');
    expect(request?.body.model).toBe('tiny');
    expect(request?.body.messages[0]?.content).toMatch(/ONLY the FAQ entries/);
    const user = request?.body.messages[1]?.content ?? '';
    expect(user).toContain('What are your opening hours?');
    expect(user).toContain('Customer question: when are you open?');
  });

  it('hands off when the LLM says the entries do not answer, and falls back to the FAQ answer on errors', async () => {
    expect(await ask('max', 'when are you open on Sunday?')).toMatch(/passed it to the team/);
    expect(await ask('noa', 'what is the delivery fee?')).toContain('flat fee of 3.50');
    expect(app.log.find('warn', 'LLM phrasing failed').length).toBeGreaterThan(0);
  });

  it('never asks the LLM when the matcher abstains', async () => {
    const before = llm.requests.length;
    expect(await ask('ola', 'what is the capital of mongolia')).toMatch(/passed it to the team/);
    expect(llm.requests.length).toBe(before);
  });
});
