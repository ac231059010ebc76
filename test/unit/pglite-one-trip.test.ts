import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneTripClient, toText } from '../../src/db/pglite-one-trip.mjs';

type Client = ReturnType<typeof oneTripClient>;

describe('PGlite one-trip queries', () => {
  let pg: PGlite;
  let client: Client;

  beforeAll(async () => {
    pg = await PGlite.create('memory://');
    client = oneTripClient(pg);
    await pg.exec(`CREATE TABLE item (id serial PRIMARY KEY, name text UNIQUE, tags text[], n int, ok boolean,
      at timestamp(3), data jsonb, raw bytea)`);
  });
  afterAll(async () => pg?.close());

  it('serialises text, numbers, booleans, null and arrays as Postgres reads them', () => {
    expect(toText('a"b')).toBe('a"b');
    expect(toText(12n)).toBe('12');
    expect(toText(false)).toBe('f');
    expect(toText(null)).toBeNull();
    expect(toText(['x', null, 'say "hi" \\ bye', 3])).toBe('{"x",NULL,"say \\"hi\\" \\\\ bye","3"}');
    expect(toText([['a'], ['b']])).toBe('{{"a"},{"b"}}');
  });

  it('round-trips every kind of value through one statement, with the caller’s row mode', async () => {
    const tags = ['plain', 'with,comma', 'with "quotes"', 'back\\slash', '{braces}', ''];
    const raw = new Uint8Array([0, 1, 254, 255]);
    const inserted = await client.query<[number, string[], number, boolean, unknown, Uint8Array]>(
      `INSERT INTO item (name, tags, n, ok, at, data, raw) VALUES ($1, $2::text[], $3, $4, $5, $6::jsonb, $7)
       RETURNING id, tags, n, ok, data, raw`,
      ['first', tags, 42, true, '2026-11-23 10:00:00.123', JSON.stringify({ a: [1, 'x'] }), raw],
      { rowMode: 'array' },
    );
    expect(inserted.affectedRows).toBe(1);
    const [row] = inserted.rows;
    expect(row?.[1]).toEqual(tags);
    expect(row?.slice(2, 5)).toEqual([42, true, { a: [1, 'x'] }]);
    expect([...(row?.[5] ?? [])]).toEqual([...raw]);
    expect(inserted.fields.map((f) => f.name)).toEqual(['id', 'tags', 'n', 'ok', 'data', 'raw']);

    const found = await client.query<{ name: string }>(
      'SELECT name FROM item WHERE name = ANY($1::text[]) AND at = $2',
      [['first', 'other'], '2026-11-23 10:00:00.123'],
    );
    expect(found.rows).toEqual([{ name: 'first' }]);
  });

  it('raises the database error and leaves the session ready for the next statement', async () => {
    await client.query('INSERT INTO item (name) VALUES ($1)', ['dup']);
    const error = await client.query('INSERT INTO item (name) VALUES ($1)', ['dup']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505' });
    const count = await client.query<{ c: number }>('SELECT count(*)::int AS c FROM item WHERE name = $1', [
      'dup',
    ]);
    expect(count.rows[0]?.c).toBe(1);
  });

  it('keeps other queries out of an open transaction, and a rollback undoes its statements', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const transaction = client.transaction(async (tx) => {
      await tx.query('INSERT INTO item (name) VALUES ($1)', ['in-tx']);
      order.push('tx inserted');
      await held;
      const seen = await tx.query<{ c: number }>('SELECT count(*)::int AS c FROM item WHERE name = $1', [
        'in-tx',
      ]);
      order.push(`tx sees ${seen.rows[0]?.c}`);
      await tx.rollback();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Issued while the transaction is open: it must wait, not run inside it.
    const outside = client
      .query<{ c: number }>('SELECT count(*)::int AS c FROM item WHERE name = $1', ['in-tx'])
      .then((r) => order.push(`outside sees ${r.rows[0]?.c}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('releasing');
    release();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['tx inserted', 'releasing', 'tx sees 1', 'outside sees 0']);
  });

  /** The session's prepared statements with this text (PGlite is one session: the client's too). */
  async function preparedWith(text: string): Promise<number> {
    const found = await pg.query<{ c: number }>(
      'SELECT count(*)::int AS c FROM pg_prepared_statements WHERE statement = $1',
      [text],
    );
    return found.rows[0]?.c ?? -1;
  }

  it('prepares each SQL text once and runs it again by name, also after an execute error', async () => {
    const insert = 'INSERT INTO item (name, n) VALUES ($1, $2) RETURNING n';
    expect(await preparedWith(insert)).toBe(0);
    expect((await client.query(insert, ['p1', 1])).rows).toEqual([{ n: 1 }]);
    expect(await preparedWith(insert)).toBe(1);
    // Parsed, then failed at execute: the statement stays prepared and the session ready.
    await expect(client.query(insert, ['p1', 2])).rejects.toMatchObject({ code: '23505' });
    expect((await client.query(insert, ['p2', 3])).rows).toEqual([{ n: 3 }]);
    expect(await preparedWith(insert)).toBe(1);
    // A text that does not parse is not kept, and raises its error each time.
    await expect(client.query('SELEC nonsense', [])).rejects.toMatchObject({ code: '42601' });
    await expect(client.query('SELEC nonsense', [])).rejects.toMatchObject({ code: '42601' });
    expect(await preparedWith('SELEC nonsense')).toBe(0);
  });

  it('keeps statements prepared inside a transaction that rolled back', async () => {
    const select = 'SELECT count(*)::int AS c FROM item WHERE n = $1';
    await client.transaction(async (tx) => {
      await tx.query(select, [1]);
      await tx.rollback();
    });
    expect((await client.query<{ c: number }>(select, [1])).rows[0]?.c).toBe(1);
    expect(await preparedWith(select)).toBe(1);
  });

  it('prepares a statement afresh after its table changed under it', async () => {
    await pg.exec('CREATE TABLE shape (a int)');
    const star = 'SELECT * FROM shape WHERE a = $1';
    await client.query(star, [1]);
    await pg.exec('ALTER TABLE shape ADD COLUMN b int; INSERT INTO shape VALUES (1, 2)');
    // Without forgetStatements(): one "cached plan must not change result type", then it is re-prepared.
    await expect(client.query(star, [1])).rejects.toMatchObject({ code: '0A000' });
    expect((await client.query(star, [1])).rows).toEqual([{ a: 1, b: 2 }]);
    // With it (what the database thread does after a migration): no error at all.
    await pg.exec('ALTER TABLE shape ADD COLUMN c int');
    await client.forgetStatements();
    expect((await client.query(star, [1])).rows).toEqual([{ a: 1, b: 2, c: null }]);
  });

  it('keeps at most 200 statements, closing the least recently run', async () => {
    const first = 'SELECT $1::int AS n, 0 AS k';
    await client.query(first, [1]);
    for (let k = 1; k <= 250; k++) await client.query(`SELECT $1::int AS n, ${k} AS k`, [k]);
    expect((await client.query(first, [7])).rows).toEqual([{ n: 7, k: 0 }]);
    const all = await pg.query<{ c: number }>(
      "SELECT count(*)::int AS c FROM pg_prepared_statements WHERE name LIKE 'hearth\\_%'",
    );
    expect(all.rows[0]?.c).toBeLessThanOrEqual(201);
    expect(all.rows[0]?.c).toBeGreaterThanOrEqual(199);
    expect(await preparedWith('SELECT $1::int AS n, 1 AS k')).toBe(0);
    expect(await preparedWith('SELECT $1::int AS n, 250 AS k')).toBe(1);
  });
});
