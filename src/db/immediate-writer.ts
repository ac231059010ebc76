import pg from 'pg';
import type { Logger } from '../core/log.ts';

/**
 * Statements sent to PostgreSQL the moment they are asked for, on a connection of their own in
 * pipeline mode: no pool to wait for, no batch, no query ahead to finish first. `send` writes the
 * statement's bytes before it returns (once connected), so a process killed right after still has
 * it executed and committed by the server. For the few writes whose timing is the point (a
 * request's departure; see Departures).
 */
export class ImmediateWriter {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly log?: Logger,
  ) {}

  /** Sends `text` now; resolves when it ran (never rejects: a failure is logged and reported false). */
  send(text: string, values: unknown[]): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.connection()
      .query(text, values)
      .then(
        () => true,
        (err: unknown) => {
          this.log?.warn({ err }, 'immediate write failed');
          return false;
        },
      );
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  /** The connection (made on first use and again after it broke; pg queues statements while it connects). */
  private connection(): pg.Client {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.url, pipeline: true });
    client.on('error', (err) => {
      this.log?.warn({ err }, 'immediate writer: connection lost; a new one is made on the next write');
      if (this.client === client) this.client = undefined;
    });
    client.connect().catch((err: unknown) => {
      this.log?.warn({ err }, 'immediate writer: could not connect');
      if (this.client === client) this.client = undefined;
    });
    this.client = client;
    return client;
  }
}
