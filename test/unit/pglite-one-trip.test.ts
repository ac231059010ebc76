import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneTripClient, toText } from '../../src/db/pglite-one-trip.mjs';

describe('PGlite one-trip queries', () => {
  let pg: PGlite;
  let client: PGlite;

  beforeAll(async () => {
    pg = await PGlite.create('memory://');
    client = oneTripClient(pg) as PGlite;
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
});
