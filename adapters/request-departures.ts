import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/**
 * Tells a send when its HTTP request has left: the moment Node has handed the request's bytes to
 * the network ('finish'), for every request made with `node:http`/`node:https` (telegraf's
 * node-fetch) while `fn` runs. Found through Node's public diagnostics channel, so it needs no SDK
 * internals; requests made outside `whileSending` are not watched.
 */
const current = new AsyncLocalStorage<() => void>();
let subscribed = false;

function onRequestStart(message: unknown): void {
  const departed = current.getStore();
  const request = (message as { request?: ClientRequest }).request;
  if (departed && request) request.once('finish', departed);
}

/** Runs `fn`; `departed` is called (synchronously, in 'finish') as each request it makes leaves. */
export function whileSending<T>(departed: (() => void) | undefined, fn: () => Promise<T>): Promise<T> {
  if (!departed) return fn();
  if (!subscribed) {
    diagnostics.subscribe('http.client.request.start', onRequestStart);
    subscribed = true;
  }
  return current.run(departed, fn);
}
