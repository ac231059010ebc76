import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorMessage, ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { HttpMount, JsonHandler } from './routes.ts';

type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Hearth's HTTP server: JSON routes on Fastify, raw routes (webhooks) before it touches the body. */
export class HttpServer implements HttpMount {
  private readonly rawRoutes = new Map<string, RawHandler>();
  private readonly app: FastifyInstance;

  constructor(
    private readonly log: Logger,
    options: { bearerToken?: string; protectedPrefixes?: string[] } = {},
  ) {
    this.app = Fastify({
      logger: false,
      bodyLimit: 1024 * 1024,
      serverFactory: (handler) =>
        createServer((req, res) => {
          const raw = this.rawRoutes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
          if (raw) return raw(req, res);
          handler(req, res);
        }),
    });
    this.app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      if (status >= 500) this.log.error({ err: error }, 'HTTP handler failed');
      void reply.status(status).send({ error: status >= 500 ? 'internal error' : errorMessage(error) });
    });
    this.app.setNotFoundHandler((request, reply) => {
      void reply.status(404).send({ error: `no route ${request.method} ${request.url}` });
    });
    const { bearerToken, protectedPrefixes = [] } = options;
    if (bearerToken) {
      this.app.addHook('onRequest', async (request, reply) => {
        if (!protectedPrefixes.some((prefix) => request.url.startsWith(prefix))) return;
        if (request.headers.authorization !== `Bearer ${bearerToken}`) {
          await reply.status(401).send({ error: 'missing or wrong Authorization: Bearer token' });
        }
      });
    }
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
