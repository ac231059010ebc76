// @ts-check
/**
 * The embedded database's thread: PGlite and its Prisma driver adapter (pglite-prisma-adapter) run
 * here, off the main event loop, so a query's work (PGlite executes synchronously in WASM) no longer
 * stalls HTTP, timers and sends. The main thread talks to it through pglite-thread.ts; each request
 * is `{ id, op, ... }` and gets `{ id, ok, value }` or `{ id, ok: false, error }` back.
 * Plain JavaScript, so it loads the same way under tsx, vitest and compiled builds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { oneTripClient } from './pglite-one-trip.mjs';

if (!parentPort) throw new Error('pglite-thread-worker runs as a worker thread');
const port = parentPort;

/** @type {{ location: string, dump?: ArrayBuffer, startParams?: string[] }} */
const options = workerData;
const pglite = new PGlite(options.location, {
  ...(options.dump ? { loadDataDir: new Blob([options.dump]) } : {}),
  ...(options.startParams ? { startParams: options.startParams } : {}),
});
// Prisma's queries reach PGlite in one trip each (pglite-one-trip.mjs), not PGlite's six.
const client = oneTripClient(pglite);
const factory = new PrismaPGlite(/** @type {PGlite} */ (client));

/** Open driver connections and transactions, by the ids the main thread knows them by. */
const connections = new Map();
const transactions = new Map();
let nextId = 1;

/** @param {any} message */
async function handle(message) {
  switch (message.op) {
    case 'connect': {
      const adapter = message.shadow ? await factory.connectToShadowDb() : await factory.connect();
      const id = nextId++;
      connections.set(id, adapter);
      return id;
    }
    case 'query':
      return queryable(message).queryRaw(message.query);
    case 'execute':
      return queryable(message).executeRaw(message.query);
    case 'script':
      try {
        return await connection(message.connection).executeScript(message.script);
      } finally {
        // A script (a migration) may have changed tables under prepared statements.
        await client.forgetStatements();
      }
    case 'begin': {
      const tx = await connection(message.connection).startTransaction(message.isolationLevel);
      const id = nextId++;
      transactions.set(id, tx);
      return { id, options: tx.options };
    }
    case 'commit':
    case 'rollback': {
      const tx = transactions.get(message.tx);
      transactions.delete(message.tx);
      if (!tx) throw new Error(`no open transaction ${message.tx}`);
      return message.op === 'commit' ? tx.commit() : tx.rollback();
    }
    case 'dispose': {
      const adapter = connections.get(message.connection);
      connections.delete(message.connection);
      return adapter?.dispose();
    }
    case 'close':
      await pglite.close();
      return undefined;
    default:
      throw new Error(`unknown request ${message.op}`);
  }
}

/** @param {number} id */
function connection(id) {
  const adapter = connections.get(id);
  if (!adapter) throw new Error(`no open connection ${id}`);
  return adapter;
}

/** @param {{ tx?: number, connection: number }} message */
function queryable(message) {
  if (message.tx === undefined) return connection(message.connection);
  const tx = transactions.get(message.tx);
  if (!tx) throw new Error(`no open transaction ${message.tx}`);
  return tx;
}

/** Errors cross the thread boundary as plain data; the main thread rebuilds them. */
function serialise(error) {
  if (error instanceof DriverAdapterError) return { driver: true, cause: error.cause };
  return {
    driver: false,
    name: error?.name ?? 'Error',
    message: error?.message ?? String(error),
    stack: error?.stack,
  };
}

port.on('message', (message) => {
  handle(message).then(
    (value) => port.postMessage({ id: message.id, ok: true, value }),
    (error) => port.postMessage({ id: message.id, ok: false, error: serialise(error) }),
  );
});

pglite.waitReady.then(
  () => port.postMessage({ ready: true }),
  (error) => port.postMessage({ ready: false, error: serialise(error) }),
);
