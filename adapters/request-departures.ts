import { Agent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * Tells a send when its HTTP request has left: the moment Node has handed the request's bytes to
 * the network ('finish'). Each request is seen as it is made, by the SDK's keep-alive agent
 * (`departureAgent`: Node hands it every request synchronously inside `http.request`), and tied
 * to its send through the AbortSignal the SDK call is given: node-fetch (telegraf's) registers its
 * 'abort' listener on that signal synchronously, right after `http.request` returned, so the
 * request made last is that call's own. No AsyncLocalStorage: in Node 20 it turns on promise hooks
 * for the whole process, which cost the delivery path a fifth of its throughput.
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
 * A signal for one SDK request: when the request's bytes have left, `departed` is called
 * (synchronously, in 'finish'). Should the HTTP client ever register on the signal without a
 * request just made through a `departureAgent`, the departure is reported at once (early, never
 * late: the row is then in doubt rather than sent twice).
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
      if (request) request.once('finish', departed);
      else departed();
    }
    register(...args);
  };
  Object.defineProperty(signal, 'addEventListener', { value: addEventListener });
  return signal;
}
