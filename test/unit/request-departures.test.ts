import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departureAgent, departureSignal } from '../../adapters/request-departures.ts';

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * One POST through `agent`, tied to a departure signal as node-fetch ties it (its 'abort' listener
 * registered right after the request is made); resolves with the bytes its socket had written when
 * the departure was reported, and after the answer.
 */
function post(agent: ReturnType<typeof departureAgent>): Promise<{ atDeparture: number; after: number }> {
  return new Promise((resolve, reject) => {
    let atDeparture = -1;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ atDeparture, after: req.socket?.bytesWritten ?? -1 }));
    });
    const signal = departureSignal(() => {
      atDeparture = req.socket?.bytesWritten ?? 0;
    });
    signal.addEventListener('abort', () => {});
    req.on('error', reject);
    req.end('a body of some bytes');
  });
}

describe('departure reports', () => {
  it('come before any byte of the request is handed to its socket, so the departure is written first', async () => {
    const agent = departureAgent('http:');
    try {
      const first = await post(agent);
      expect(first.atDeparture).toBe(0); // a new connection: nothing written yet
      expect(first.after).toBeGreaterThan(0);
      // The kept-alive socket again: what it had written is the first request's, none of this one's.
      const second = await post(agent);
      expect(second.atDeparture).toBe(first.after);
      expect(second.after).toBeGreaterThan(first.after);
    } finally {
      agent.destroy();
    }
  });

  it('are made at once when the client registers without a request made through the agent', () => {
    let reported = 0;
    const signal = departureSignal(() => reported++);
    signal.addEventListener('abort', () => {});
    signal.addEventListener('abort', () => {});
    expect(reported).toBe(1);
  });
});
