import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

/**
 * Prisma's schema engine compiled to WASM, driven through a driver adapter. It replaces the native
 * engine the Prisma CLI would download: `applyMigrations` is `prisma migrate deploy` (it records
 * `_prisma_migrations` the same way), `diff` authors new migrations.
 */

export const PRISMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
const LOCKFILE = 'migration_lock.toml';
const emptySchemaFilter = { externalTables: [], externalEnums: [] };

interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: {
    path: string;
    migrationFile: { path: string; content: { tag: 'ok'; value: string } };
  }[];
}
interface SchemaFile {
  path: string;
  content: string;
}
/** The part of the engine's API Hearth uses. */
interface SchemaEngine {
  applyMigrations(input: object): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: object): Promise<{ exitCode: number; stdout?: string | null }>;
  free(): void;
}
/** The few WebAssembly globals used (Node has them; the ES lib typings do not declare them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface EngineRuntime {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  SchemaEngine: {
    new: (options: object, log: (line: string) => void, adapter: unknown) => Promise<SchemaEngine>;
  };
}

let runtimePromise: Promise<EngineRuntime> | undefined;

/** Instantiates the WASM module once per process (the package's own entry needs experimental flags). */
function loadRuntime(): Promise<EngineRuntime> {
  runtimePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const modulePath = '@prisma/schema-engine-wasm/schema_engine_bg';
    const runtime = (await import(modulePath)) as EngineRuntime;
    const wasm = await readFile(join(dirname(require.resolve(modulePath)), 'schema_engine_bg.wasm'));
    const instance = new wasmApi.Instance(new wasmApi.Module(wasm), { './schema_engine_bg.js': runtime });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return runtime;
  })();
  return runtimePromise;
}

export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  callback: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const runtime = await loadRuntime();
  // Track the connections the engine opens: freeing the engine does not close them, and a pg
  // connection left open keeps the engine's session advisory lock, stalling the next migration run.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(opened, await factory.connect()),
    connectToShadowDb: async () => track(opened, await factory.connectToShadowDb()),
  };
  const engine = await runtime.SchemaEngine.new(
    { datamodels: undefined },
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  try {
    return await callback(engine);
  } finally {
    engine.free();
    await Promise.all(opened.map((adapter) => adapter.dispose()));
  }
}

function track(list: SqlDriverAdapter[], adapter: SqlDriverAdapter): SqlDriverAdapter {
  list.push(adapter);
  return adapter;
}

export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lock = await readFile(join(dir, LOCKFILE), 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export async function readSchemaFiles(path = SCHEMA_PATH): Promise<SchemaFile[]> {
  return [{ path, content: await readFile(path, 'utf8') }];
}

/** Applies pending migrations (like `prisma migrate deploy`); returns the names applied now. */
export async function applyMigrations(factory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = await readMigrationList();
  if (migrationsList.migrationDirectories.length === 0) return [];
  const result = await withSchemaEngine(factory, (engine) =>
    engine.applyMigrations({ migrationsList, filters: emptySchemaFilter }),
  );
  return result.appliedMigrationNames;
}

/**
 * SQL that would bring a database holding exactly the committed migrations to schema.prisma, or
 * undefined when they agree. `shadow` must be an empty throwaway database.
 */
export async function diffMigrationsAgainstSchema(
  shadow: SqlMigrationAwareDriverAdapterFactory,
  schemaPath = SCHEMA_PATH,
): Promise<string | undefined> {
  const migrationsList = await readMigrationList();
  const files = await readSchemaFiles(schemaPath);
  return withSchemaEngine(shadow, async (engine) => {
    if (migrationsList.migrationDirectories.length > 0) {
      await engine.applyMigrations({ migrationsList, filters: emptySchemaFilter });
    }
    const diff = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: PRISMA_DIR },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: emptySchemaFilter,
    });
    return diff.exitCode === 0 || !diff.stdout ? undefined : diff.stdout;
  });
}
