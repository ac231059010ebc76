// @ts-check
/**
 * PGlite whose `query` makes one trip into the database instead of six.
 *
 * PGlite's own `query` sends parse, describe, bind, describe, execute and sync as six separate
 * calls into WASM. It does this so that it can read the parameter types and pick a serializer for
 * each value. Prisma's driver adapter (pglite-prisma-adapter) hands over values that are already
 * text, numbers, booleans, bytes or arrays of them. Those are serialised here, and the six parts go
 * as one message. Measured alone, that is 35–55 % less time per statement. Inbound handling runs
 * 4–5 small statements per message, so most of its database time was this overhead.
 *
 * Everything else is PGlite's own: the mutexes that keep a query out of an open transaction, result
 * parsing with the caller's parsers, and DatabaseError for SQL errors. The Sync inside the message
 * brings the session back to ready after an error, as PGlite's does.
 */
import { parse as pgParse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

/**
 * A client for pglite-prisma-adapter: the PGlite instance, with `query` (and a transaction's
 * `query`) replaced by the one-trip version.
 * @param {import('@electric-sql/pglite').PGlite} pg
 */
export function oneTripClient(pg) {
  /** PGlite's query() takes the same two locks: no open transaction, then the query mutex. */
  const query = (/** @type {string} */ sql, /** @type {unknown[]} */ params = [], options = {}) =>
    // @ts-expect-error PGlite's own internal (the transaction mutex).
    pg._runExclusiveTransaction(() => pg.runExclusive(() => queryOnce(pg, sql, params, options, true)));
  const transaction = (/** @type {(tx: unknown) => Promise<unknown>} */ callback) =>
    pg.transaction((tx) => callback(inTransaction(pg, tx)));
  return new Proxy(pg, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'transaction') return transaction;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A transaction whose `query` is the one-trip version. PGlite already holds the transaction mutex
 * for the callback's whole run, so each query takes only the query mutex, as PGlite's does.
 * @param {import('@electric-sql/pglite').PGlite} pg
 * @param {import('@electric-sql/pglite').Transaction} tx
 */
function inTransaction(pg, tx) {
  return {
    query: (/** @type {string} */ sql, /** @type {unknown[]} */ params = [], options = {}) => {
      if (tx.closed) throw new Error('Transaction is closed');
      return pg.runExclusive(() => queryOnce(pg, sql, params, options, false));
    },
    exec: tx.exec,
    sql: tx.sql,
    rollback: tx.rollback,
    listen: tx.listen,
    get closed() {
      return tx.closed;
    },
  };
}

/**
 * @param {import('@electric-sql/pglite').PGlite} pg
 * @param {string} sql
 * @param {unknown[]} params
 * @param {import('@electric-sql/pglite').QueryOptions} options
 * @param {boolean} syncToFs after the statement, as PGlite does outside a transaction
 */
async function queryOnce(pg, sql, params, options, syncToFs) {
  const message = concat([
    serialize.parse({ text: sql }),
    serialize.bind({ values: params.map(toText) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  const { messages } = await pg.execProtocol(message, { syncToFs });
  const [result] = options.parsers
    ? pgParse.parseResults(messages, withParsers(pg, options.parsers), { ...options, parsers: undefined })
    : pgParse.parseResults(messages, pg.parsers, options);
  return result;
}

/** The caller's parsers over PGlite's, by the caller's parsers object. */
const layeredParsers = new WeakMap();

/**
 * PGlite's parsers with the caller's on top. PGlite's parseResults merges the two by copying both
 * (about 170 entries) on every statement; this builds the layer once per caller's object. PGlite's
 * own parsers are the prototype, so array types PGlite adds later are still found.
 * @param {import('@electric-sql/pglite').PGlite} pg
 * @param {Record<number, unknown>} parsers
 */
function withParsers(pg, parsers) {
  let layered = layeredParsers.get(parsers);
  if (!layered || Object.getPrototypeOf(layered) !== pg.parsers) {
    layered = Object.assign(Object.create(pg.parsers), parsers);
    layeredParsers.set(parsers, layered);
  }
  return layered;
}

/**
 * One parameter in Postgres' text format (bytes stay binary). The server infers each parameter's
 * type from the statement, as it does for PGlite's own query.
 * @param {unknown} value
 * @returns {string | Uint8Array | null}
 */
export function toText(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

/** A Postgres array literal: every element quoted, backslashes and quotes escaped, NULL unquoted. */
function arrayLiteral(/** @type {unknown[]} */ values) {
  /** @type {string[]} */
  const parts = values.map((element) => {
    if (element === null || element === undefined) return 'NULL';
    if (Array.isArray(element)) return arrayLiteral(element);
    const text =
      element instanceof Uint8Array ? `\\x${Buffer.from(element).toString('hex')}` : toText(element);
    return `"${String(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

function concat(/** @type {Uint8Array[]} */ parts) {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
