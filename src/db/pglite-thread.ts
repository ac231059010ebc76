import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from '@prisma/driver-adapter-utils';
import { createFromTemplate } from './pglite-template.ts';

/**
 * Postgres settings for the embedded database: PGlite's own defaults, plus a smaller buffer cache
 * (see sharedBuffers) and statistics from a 3,000-row sample per table instead of 30,000
 * (`default_statistics_target` 10, Postgres's default is 100). ANALYZE holds its sample in memory,
 * and WASM memory, once grown, is never given back: the default sample grew it by 10 MB at the
 * first broadcast's ANALYZE, this one by 1 MB. A small business's tables are mostly sampled whole
 * either way.
 */
const PGLITE_DEFAULT_PARAMS = [
  '--single',
  '-F',
  '-O',
  '-j',
  ...['-c', 'search_path=public', '-c', 'exit_on_error=false', '-c', 'log_checkpoints=false'],
  ...['-c', 'default_statistics_target=10'],
  ...['-c', 'max_worker_processes=0', '-c', 'max_parallel_workers=0'],
  ...['-c', 'max_parallel_workers_per_gather=0', '-c', 'io_method=sync'],
  ...['-c', 'max_parallel_maintenance_workers=0'],
];

export interface PGliteThreadOptions {
  /** PGlite data folder, or `memory://…`. */
  location: string;
  /** Start from a data-dir dump (`PGlite.dumpDataDir`). */
  dump?: Blob;
  /** Postgres `shared_buffers` (its page cache), e.g. `16MB`. Every page of it ends up resident. */
  sharedBuffers?: string;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };
type ThreadError =
  | { driver: true; cause: DriverAdapterError['cause'] }
  | { driver: false; name: string; message: string; stack?: string };

/**
 * The embedded PGlite on a worker thread (pglite-thread-worker.mjs) behind a Prisma driver adapter
 * factory: Prisma stays on the main thread, the database's work moves to the other core. Requests
 * are messages; transactions and connections are ids on the other side.
 */
export class PGliteThread implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'hearth-pglite-thread';
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the database thread exited (code ${code})`)));
  }

  /**
   * Starts the thread and waits until PGlite is ready. A new data folder is unpacked from the shipped
   * template (pglite-template.ts). Without a usable template it is created by a thread of its own
   * that then ends: PGlite's initdb peaks near 800 MB and leaves some 500 MB of WASM memory and
   * buffers behind, which would otherwise stay resident for the life of the process.
   */
  static async open(options: PGliteThreadOptions): Promise<PGliteThread> {
    const fresh = !options.location.startsWith('memory://') && !options.dump;
    if (fresh && !existsSync(join(options.location, 'PG_VERSION'))) {
      const unpacked = !existsSync(options.location) && (await createFromTemplate(options.location));
      if (!unpacked) await (await PGliteThread.start(options)).close();
    }
    return PGliteThread.start(options);
  }

  private static async start(options: PGliteThreadOptions): Promise<PGliteThread> {
    const params = options.sharedBuffers
      ? [...PGLITE_DEFAULT_PARAMS, '-c', `shared_buffers=${options.sharedBuffers}`]
      : undefined;
    const dump = options.dump ? await options.dump.arrayBuffer() : undefined;
    const worker = new Worker(new URL('./pglite-thread-worker.mjs', import.meta.url), {
      workerData: { location: options.location, dump, startParams: params },
      transferList: dump ? [dump] : [],
      // The thread only relays queries and rows; a small young generation keeps its garbage from
      // costing resident memory (8 MB: about 25 MB less at the peak of bench:broadcast, same speed).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    await new Promise<void>((resolve, reject) => {
      const onReady = (message: { ready?: boolean; error?: ThreadError }) => {
        if (message.ready === undefined) return;
        worker.off('message', onReady);
        worker.off('error', reject);
        if (message.ready) resolve();
        else reject(rebuild(message.error));
      };
      worker.on('message', onReady);
      worker.once('error', reject);
    });
    return new PGliteThread(worker);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return new ThreadConnection(this, (await this.request({ op: 'connect' })) as number);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return new ThreadConnection(this, (await this.request({ op: 'connect', shadow: true })) as number);
  }

  /** Closes PGlite (flushing it to disk) and ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) await this.request({ op: 'close' });
    await this.worker.terminate();
  }

  /** Sends one request to the thread and waits for its answer. */
  request(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(rebuild(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

function rebuild(error: ThreadError | undefined): Error {
  if (!error) return new Error('the database thread failed');
  if (error.driver) return new DriverAdapterError(error.cause);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

/** Queries on one connection, or inside one transaction when `tx` is set. */
class ThreadQueryable {
  readonly provider = 'postgres';
  readonly adapterName = 'hearth-pglite-thread';

  constructor(
    protected readonly thread: PGliteThread,
    protected readonly connection: number,
    protected readonly tx?: number,
  ) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return (await this.run('query', query)) as SqlResultSet;
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    return (await this.run('execute', query)) as number;
  }

  private run(op: 'query' | 'execute', query: SqlQuery): Promise<unknown> {
    return this.thread.request({ op, connection: this.connection, tx: this.tx, query });
  }
}

class ThreadConnection extends ThreadQueryable implements SqlDriverAdapter {
  async executeScript(script: string): Promise<void> {
    await this.thread.request({ op: 'script', connection: this.connection, script });
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const { id, options } = (await this.thread.request({
      op: 'begin',
      connection: this.connection,
      isolationLevel,
    })) as { id: number; options: TransactionOptions };
    return new ThreadTransaction(this.thread, this.connection, id, options);
  }

  getConnectionInfo() {
    return { supportsRelationJoins: true };
  }

  async dispose(): Promise<void> {
    await this.thread.request({ op: 'dispose', connection: this.connection });
  }
}

class ThreadTransaction extends ThreadQueryable implements Transaction {
  constructor(
    thread: PGliteThread,
    connection: number,
    tx: number,
    readonly options: TransactionOptions,
  ) {
    super(thread, connection, tx);
  }

  async commit(): Promise<void> {
    await this.thread.request({ op: 'commit', tx: this.tx });
  }

  async rollback(): Promise<void> {
    await this.thread.request({ op: 'rollback', tx: this.tx });
  }
}
