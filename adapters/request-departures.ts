import { Agent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * Tells a send when its HTTP request leaves: the moment Node gives the request its socket
 * ('socket'), in the same tick right before the request's bytes are written to it. So the departure
 * is written first (a process killed between the two leaves a row in doubt, never one sent twice),
 * and a request queued in the agent for a free socket is not reported while it waits. Each request
 * is seen as it is made, by the SDK's keep-alive agent (`departureAgent`: Node hands it every
 * request synchronously inside `http.request`), and tied to its send through the AbortSignal the
 * SDK call is given: node-fetch (telegraf's) registers its 'abort' listener on that signal
 * synchronously, right after `http.request` returned, so the request made last is that call's own.
 * No AsyncLocalStorage: in Node 20 it turns on promise hooks for the whole process, which cost the
 * delivery path a fifth of its throughput.
 */
let madeLast: ClientRequest | undefined;

type AddRequest = (request: ClientRequest, options: unknown) => void;

/** A keep-alive agent (http or https, as the API root is) that notes each request it is given. */
export function departureAgent(protocol: 'http:' | 'https:'): Agent {
  const Base = protocol === 'https:' ? HttpsAgent : Agent;
  const agent = new Base({ keepAlive: true, keepAliveMsecs: 10_000 });
  // addRequest is how Node gives an agent its requests (what agent-base and others override).
  const addRequest = (Base.prototype as unknown as { addRequest: AddRequest }).addRequest;
  Object.defineProperty(agent, 'addRequest', {
    value(this: Agent, request: ClientRequest, options: unknown) {
      madeLast = request;
      addRequest.call(this, request, options);
    },
  });
  return agent;
}

/**
 * A signal for one SDK request: as the request's bytes are about to leave, `departed` is called
 * (synchronously, in 'socket', before Node flushes the request). Should the HTTP client ever
 * register on the signal without a request just made through a `departureAgent`, the departure is
 * reported at once (early, never late: the row is then in doubt rather than sent twice).
 */
export function departureSignal(departed: () => void): AbortSignal {
  const signal = new AbortController().signal;
  const register = signal.addEventListener.bind(signal);
  let tied = false;
  const addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
    const [type] = args;
    if (!tied && type === 'abort') {
      tied = true;
      const request = madeLast;
      madeLast = undefined;
      // Node assigns a request's socket a tick after http.request (never synchronously); should
      // one already have it, the departure is reported at once, early rather than late.
      if (request && !request.socket) request.once('socket', departed);
      else departed();
    }
    register(...args);
  };
  Object.defineProperty(signal, 'addEventListener', { value: addEventListener });
  return signal;
}
