import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

/**
 * A fake OpenAI-compatible chat-completions endpoint on 127.0.0.1: it picks entry 1 for "cash",
 * says NONE for "sunday", fails for "boom" and answers too late for "slow".
 */
async function startFakeLlm() {
  const requests: { authorization: string | undefined; body: ChatRequest }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ authorization: req.headers.authorization, body });
      const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const message = user.slice(user.indexOf('Customer message:')).toLowerCase();
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      if (message.includes('boom')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        return;
      }
      const content = message.includes('sunday') ? 'NONE' : '1';
      const send = () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
      if (message.includes('slow')) {
        const timer = setTimeout(send, 2000);
        timers.add(timer);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(TEST_DATABASES)(
  'support with an LLM choosing among the candidates (fake endpoint, $name)',
  (kind) => {
    let llm: Awaited<ReturnType<typeof startFakeLlm>>;
    let app: TestHearth;

    beforeAll(async () => {
      llm = await startFakeLlm();
      app = await startTestHearth({
        database: await kind.open(),
        env: {
          SUPPORT_LLM_URL: llm.url,
          SUPPORT_LLM_API_KEY: 'sk-test',
          SUPPORT_LLM_MODEL: 'tiny',
          SUPPORT_LLM_TIMEOUT_MS: '300',
        },
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

    it("answers with the LLM's pick among the matcher's candidates, in the owners' own words", async () => {
      expect(await ask('lia', 'cash ok?')).toContain('We take cash, all major cards');
      const request = llm.requests.at(-1);
      expect(request?.authorization).toBe('Bearer sk-test');
      expect(request?.body.model).toBe('tiny');
      expect(request?.body.messages[0]?.content).toMatch(/reply with exactly NONE/);
      const user = request?.body.messages[1]?.content ?? '';
      expect(user).toContain('1. Q: How can I pay?');
      expect(user).toContain('Customer message: cash ok?');
    });

    it('NONE turns a confident answer into "Did you mean…"; errors and timeouts keep the built-in decision', async () => {
      expect(await ask('max', 'hey, are you guys open on sunday?')).toBe('Did you mean…');
      expect(await ask('noa', 'do you deliver? boom')).toContain('We deliver within 10 km');
      expect(app.log.find('warn', 'LLM choice failed').length).toBeGreaterThan(0);
      const started = Date.now();
      expect(await ask('oli', 'do you deliver? slow')).toContain('We deliver within 10 km');
      expect(Date.now() - started).toBeLessThan(1900);
      expect(app.log.find('warn', 'LLM choice unreachable or too slow').length).toBeGreaterThan(0);
    });

    it('never asks the LLM about thanks, urgent messages or complaints', async () => {
      const before = llm.requests.length;
      expect(await ask('pat', 'thanks so much!')).toBe("You're welcome! 😊");
      expect(await ask('quin', 'URGENT: my order is wrong, call me!!')).toMatch(/flagged this as urgent/);
      expect(llm.requests.length).toBe(before);
    });
  },
);
