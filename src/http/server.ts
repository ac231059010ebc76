import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorMessage, ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { hostOfHeader, isLoopbackHost, tokenMatches } from './exposure.ts';
import type { HttpMount, JsonHandler, RawHandler } from './routes.ts';

/** What one request may cost the server; every public endpoint is behind these. */
export interface HttpLimits {
  /** Largest request body, in bytes (JSON routes and webhooks). */
  bodyBytes: number;
  /** A client must send its headers within this (slow-header clients are cut with a 408). */
  headersTimeoutMs: number;
  /** A client must send its whole request (headers and body) within this (408 after). */
  requestTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  bodyBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

export interface HttpServerOptions {
  /** Routes under `protectedPrefixes` require `Authorization: Bearer <bearerToken>`. */
  bearerToken?: string | undefined;
  /**
   * Path prefixes of owner-only routes (the console). Without a bearer token they answer only
   * requests addressed to a loopback host name (no DNS-rebinding page can reach them).
   */
  protectedPrefixes?: string[];
  limits?: Partial<HttpLimits>;
}

/** Hearth's HTTP server: JSON routes on Fastify, raw routes (webhooks) before it touches the body. */
export class HttpServer implements HttpMount {
  private readonly rawRoutes = new Map<string, RawHandler>();
  private readonly app: FastifyInstance;
  readonly limits: HttpLimits;

  constructor(
    private readonly log: Logger,
    options: HttpServerOptions = {},
  ) {
    const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    this.limits = limits;
    this.app = Fastify({
      logger: false,
      bodyLimit: limits.bodyBytes,
      serverFactory: (handler) =>
        createServer(
          {
            headersTimeout: limits.headersTimeoutMs,
            requestTimeout: limits.requestTimeoutMs,
            // How often Node checks those two timeouts (its default, 30 s, would let them overrun).
            connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
          },
          (req, res) => {
            const raw = this.rawRoutes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
            if (raw) return this.serveRaw(raw, req, res);
            handler(req, res);
          },
        ),
    });
    // JSON routes take JSON only: no text/plain parser, so a cross-site form cannot post to them.
    this.app.removeContentTypeParser('text/plain');
    this.app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      if (status >= 500) this.log.error({ err: error }, 'HTTP handler failed');
      void reply.status(status).send({ error: status >= 500 ? 'internal error' : errorMessage(error) });
    });
    this.app.setNotFoundHandler((request, reply) => {
      void reply.status(404).send({ error: `no route ${request.method} ${request.url}` });
    });
    const { bearerToken, protectedPrefixes = [] } = options;
    this.app.addHook('onRequest', async (request, reply) => {
      // The route that matched, not the URL as sent: `/%63onsole/...` routes to `/console/...` too.
      const route = request.routeOptions.url ?? request.url;
      if (!protectedPrefixes.some((prefix) => route.startsWith(prefix))) return;
      if (bearerToken) {
        const header = request.headers.authorization;
        const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
        if (!tokenMatches(given, bearerToken)) {
          await reply.status(401).send({ error: 'missing or wrong Authorization: Bearer token' });
        }
      } else if (!isLoopbackHost(hostOfHeader(request.headers.host))) {
        await reply
          .status(403)
          .send({ error: 'without CONSOLE_TOKEN the console answers only on localhost / 127.0.0.1' });
      }
    });
  }

  /**
   * A raw route: its body is read here, under the same limits as every route. An oversized body is
   * refused with a 413 as soon as it is known to be too big (declared or counted); a body that does
   * not arrive in time is cut by Node's request timeout (408). A handler bug is a 500, never a crash.
   */
  private serveRaw(raw: RawHandler, req: IncomingMessage, res: ServerResponse): void {
    const limit = this.limits.bodyBytes;
    const tooLarge = () => {
      if (!res.headersSent) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('body too large');
      }
      req.removeAllListeners('data');
      req.resume();
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge();
      else chunks.push(chunk);
    });
    req.on('error', (error) => this.log.debug({ err: error, url: req.url }, 'HTTP request aborted'));
    req.on('end', () => {
      if (size > limit || res.headersSent) return;
      const body = Buffer.concat(chunks);
      Object.assign(req, { rawBody: body });
      try {
        raw(req, res, body);
      } catch (error) {
        this.log.error({ err: error, url: req.url }, 'HTTP raw handler failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      }
    });
  }

  json(method: 'GET' | 'POST' | 'DELETE', path: string, handler: JsonHandler): void {
    this.app.route({
      method,
      url: path,
      handler: async (request, reply) => {
        try {
          const result = await handler({
            body: request.body,
            query: request.query as Record<string, string | undefined>,
            headers: request.headers,
          });
          return reply.status(result.status ?? 200).send(result.body);
        } catch (error) {
          if (error instanceof ValidationError) return reply.status(400).send({ error: error.message });
          throw error;
        }
      },
    });
  }

  page(path: string, contentType: string, body: string): void {
    this.app.get(path, async (_request, reply) => reply.type(contentType).send(body));
  }

  raw(method: 'GET' | 'POST', path: string, handler: RawHandler): void {
    this.rawRoutes.set(`${method} ${path}`, handler);
  }

  /** Starts listening; returns the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    await this.app.listen({ port, host });
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
