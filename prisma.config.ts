import { defineConfig } from 'prisma/config';

// The Prisma CLI checks for its native schema engine before `generate`, and downloading that
// binary fails on machines without access to Prisma's binary host. `generate` itself needs no
// engine, and Hearth applies and authors migrations with the WASM engine (src/db/), so pointing
// the check at a path that exists lets `prisma generate` run anywhere. Only set when unset, so a
// machine that does have the engine keeps using it.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/hearth' },
});
