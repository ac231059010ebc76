import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

/** The example FAQ plus near-twin entries (two birthday cake sizes). */
const BAKERY_FAQ = fileURLToPath(new URL('../fixtures/support-bakery-faq.json', import.meta.url));

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

type Mode = 'second' | 'none' | 'fail' | 'slow';

/**
 * A fake OpenAI-compatible chat-completions endpoint on 127.0.0.1; `mode` says what it does next:
 * pick the second entry offered, say NONE, fail with a 500, or answer after 2 s.
 */
async function startFakeLlm() {
  const requests: { authorization: string | undefined; body: ChatRequest }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state: { mode: Mode } = { mode: 'second' };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ authorization: req.headers.authorization, body });
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      if (state.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        return;
      }
      const content = state.mode === 'none' ? 'NONE' : 'Entry 2.';
      const send = () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
      if (state.mode === 'slow') {
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
    state,
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
          SUPPORT_FAQ_SEED: BAKERY_FAQ,
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
      llm.state.mode = 'second';
      const reply = await ask('lia', 'how much is a birthday cake');
      const request = llm.requests.at(-1);
      expect(request?.authorization).toBe('Bearer sk-test');
      expect(request?.body.model).toBe('tiny');
      expect(request?.body.messages[0]?.content).toMatch(/reply with exactly NONE/);
      const user = request?.body.messages[1]?.content ?? '';
      expect(user).toContain('Customer message: how much is a birthday cake');
      const second = /\n2\. Q: (.+)\n {3}A: (.+)/.exec(user);
      expect(user).toMatch(/How much is a small birthday cake\?/);
      expect(reply).toBe(`${second?.[2]}\n\nDid this help?`);
    });

    it('NONE turns a confident answer into "Did you mean…"; errors and timeouts keep the built-in decision', async () => {
      llm.state.mode = 'none';
      expect(await ask('max', 'do you deliver?')).toBe('Did you mean…');
      llm.state.mode = 'fail';
      expect(await ask('noa', 'do you deliver?')).toContain('We deliver within 10 km');
      expect(app.log.find('warn', 'LLM choice failed').length).toBeGreaterThan(0);
      llm.state.mode = 'slow';
      const started = Date.now();
      expect(await ask('oli', 'do you deliver?')).toContain('We deliver within 10 km');
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
