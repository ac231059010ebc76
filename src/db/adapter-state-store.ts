import type { AdapterState, Versioned } from '../core/adapter-state.ts';
import type { Db, Prisma } from './database.ts';

/**
 * AdapterState on the `adapter_state` table, one namespace per (platform, account). Each write is
 * one statement; compare-and-set is an UPDATE (or an INSERT) conditioned on the version, so the
 * database decides between racing writers, across processes too.
 */
export class AdapterStateStore implements AdapterState {
  constructor(
    private readonly db: Db,
    private readonly platform: string,
    private readonly account: string,
  ) {}

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const row = await this.db.adapterState.findUnique({
      where: { platform_account_key: { platform: this.platform, account: this.account, key } },
      select: { value: true, version: true },
    });
    return row ? { value: row.value as T, version: row.version } : undefined;
  }

  async set<T>(key: string, value: T): Promise<number> {
    const json = toJson(value);
    const [row] = await this.db.$queryRaw<{ version: number }[]>`
      INSERT INTO adapter_state (platform, account, key, value, version, "updatedAt")
      VALUES (${this.platform}, ${this.account}, ${key}, ${json}::jsonb, 1, now())
      ON CONFLICT (platform, account, key)
      DO UPDATE SET value = EXCLUDED.value, version = adapter_state.version + 1, "updatedAt" = now()
      RETURNING version`;
    if (!row) throw new Error(`adapter state ${this.platform}/${key}: write returned nothing`);
    return row.version;
  }

  async compareAndSet<T>(key: string, expectedVersion: number | null, value: T): Promise<number | undefined> {
    const json = toJson(value);
    const rows =
      expectedVersion === null
        ? await this.db.$queryRaw<{ version: number }[]>`
            INSERT INTO adapter_state (platform, account, key, value, version, "updatedAt")
            VALUES (${this.platform}, ${this.account}, ${key}, ${json}::jsonb, 1, now())
            ON CONFLICT (platform, account, key) DO NOTHING
            RETURNING version`
        : await this.db.$queryRaw<{ version: number }[]>`
            UPDATE adapter_state SET value = ${json}::jsonb, version = version + 1, "updatedAt" = now()
            WHERE platform = ${this.platform} AND account = ${this.account} AND key = ${key}
              AND version = ${expectedVersion}
            RETURNING version`;
    return rows[0]?.version;
  }

  async delete(key: string): Promise<void> {
    await this.db.adapterState.deleteMany({
      where: { platform: this.platform, account: this.account, key },
    });
  }
}

/** JSON text of a value; undefined is refused (it has no JSON form and would read back as null). */
function toJson(value: unknown): string {
  const json = JSON.stringify(value as Prisma.InputJsonValue);
  if (json === undefined) throw new TypeError('adapter state values must be JSON (got undefined)');
  return json;
}
