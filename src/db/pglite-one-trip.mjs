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
 * Each SQL text is also kept as a named prepared statement (the last MAX_PREPARED texts): Postgres
 * parses, analyses and plans it once, and later runs only bind and execute. That halves a small
 * INSERT again (measured alone: 520–720 µs unnamed, 205–313 µs named, for the outbox insert).
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
  const statements = new PreparedStatements();
  /** PGlite's query() takes the same two locks: no open transaction, then the query mutex. */
  const query = (/** @type {string} */ sql, /** @type {unknown[]} */ params = [], options = {}) =>
    // @ts-expect-error PGlite's own internal (the transaction mutex).
    pg._runExclusiveTransaction(() =>
      pg.runExclusive(() => queryOnce(pg, statements, sql, params, options, true)),
    );
  const transaction = (/** @type {(tx: unknown) => Promise<unknown>} */ callback) =>
    pg.transaction((tx) => callback(inTransaction(pg, statements, tx)));
  /** Under the query mutex, like every other use of `statements`. */
  const forgetStatements = () => pg.runExclusive(async () => statements.forgetAll());
  return new Proxy(pg, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'transaction') return transaction;
      if (property === 'forgetStatements') return forgetStatements;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A transaction whose `query` is the one-trip version. PGlite already holds the transaction mutex
 * for the callback's whole run, so each query takes only the query mutex, as PGlite's does.
 * @param {import('@electric-sql/pglite').PGlite} pg
 * @param {PreparedStatements} statements
 * @param {import('@electric-sql/pglite').Transaction} tx
 */
function inTransaction(pg, statements, tx) {
  return {
    query: (/** @type {string} */ sql, /** @type {unknown[]} */ params = [], options = {}) => {
      if (tx.closed) throw new Error('Transaction is closed');
      return pg.runExclusive(() => queryOnce(pg, statements, sql, params, options, false));
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

/** How many SQL texts stay prepared; the least recently run one is closed to make room. */
const MAX_PREPARED = 200;

/**
 * Errors after which a statement is prepared afresh next time: it no longer exists (26000), or its
 * result columns changed under it, e.g. after a migration (0A000, "cached plan must not change
 * result type").
 */
const STALE_STATEMENT = new Set(['26000', '0A000']);

/**
 * The session's named statements, by SQL text, least recently run first. Used only under PGlite's
 * query mutex, so one statement's messages never interleave with another's.
 */
class PreparedStatements {
  /** @type {Map<string, string>} */
  names = new Map();
  /** Statements to close at the start of the next message. @type {string[]} */
  closing = [];
  next = 1;

  /**
   * The statement's name, and whether it must be parsed first (a new text). Refreshes its place.
   * @param {string} sql
   */
  use(sql) {
    const name = this.names.get(sql);
    if (name === undefined) return { name: `hearth_${this.next++}`, fresh: true };
    this.names.delete(sql);
    this.names.set(sql, name);
    return { name, fresh: false };
  }

  /** @param {string} sql @param {string} name */
  prepared(sql, name) {
    this.names.set(sql, name);
    for (const [oldest, oldName] of this.names) {
      if (this.names.size <= MAX_PREPARED) break;
      this.names.delete(oldest);
      this.closing.push(oldName);
    }
  }

  /** @param {string} sql */
  forget(sql) {
    const name = this.names.get(sql);
    if (name === undefined) return;
    this.names.delete(sql);
    this.closing.push(name);
  }

  /** Closes every statement (after a script that may have changed tables). */
  forgetAll() {
    this.closing.push(...this.names.values());
    this.names.clear();
  }

  /** Close messages for the statements waiting to be closed; they go first in the next message. */
  takeClosing() {
    const parts = this.closing.map((name) => serialize.close({ type: 'S', name }));
    this.closing = [];
    return parts;
  }
}

/**
 * @param {import('@electric-sql/pglite').PGlite} pg
 * @param {PreparedStatements} statements
 * @param {string} sql
 * @param {unknown[]} params
 * @param {import('@electric-sql/pglite').QueryOptions} options
 * @param {boolean} syncToFs after the statement, as PGlite does outside a transaction
 */
async function queryOnce(pg, statements, sql, params, options, syncToFs) {
  const { name, fresh } = statements.use(sql);
  const message = concat([
    ...statements.takeClosing(),
    ...(fresh ? [serialize.parse({ text: sql, name })] : []),
    serialize.bind({ statement: name, values: params.map(toText) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  // Errors come back among the messages, so a parse that worked is known even when execute failed.
  const { messages } = await pg.execProtocol(message, { syncToFs, throwOnError: false });
  if (fresh && messages.some((m) => m.name === 'parseComplete')) statements.prepared(sql, name);
  const error = messages.find((m) => m.name === 'error');
  if (error) {
    if (!fresh && STALE_STATEMENT.has(/** @type {{ code?: string }} */ (error).code ?? ''))
      statements.forget(sql);
    throw error;
  }
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
