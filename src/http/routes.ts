import type { IncomingMessage, ServerResponse } from 'node:http';

/** A JSON endpoint: the server parses the body, maps ValidationError to 400 and anything else to 500. */
export interface JsonRequest {
  body: unknown;
  query: Record<string, string | undefined>;
  headers: Record<string, string | string[] | undefined>;
}
export interface JsonResponse {
  status?: number;
  body: unknown;
}
export type JsonHandler = (request: JsonRequest) => Promise<JsonResponse>;

/** Where adapters and features mount their HTTP endpoints, without knowing the server library. */
export interface HttpMount {
  json(method: 'GET' | 'POST' | 'DELETE', path: string, handler: JsonHandler): void;
  /** A static page (HTML, JS, CSS). */
  page(path: string, contentType: string, body: string): void;
  /** A raw route (webhooks that check signatures over the raw bytes): see RawHandler. */
  raw(method: 'GET' | 'POST', path: string, handler: RawHandler): void;
}

/**
 * A raw route's handler. The server has read the body already, within its size limit and its
 * slow-client deadline (413 and 408 are answered before the handler runs); `body` is the bytes as
 * sent, also set as `req.rawBody` (where Bolt's receiver looks for an already-read body).
 */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** Adapters or features that serve HTTP implement this. */
export interface HttpMountable {
  mount(http: HttpMount): void;
}

export function isHttpMountable(value: unknown): value is HttpMountable {
  return typeof value === 'object' && value !== null && typeof (value as HttpMountable).mount === 'function';
}
