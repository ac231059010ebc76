/**
 * `npm run build`, step 2: the files the compiled code reads next to itself (tsc emits only .ts):
 * the console page, the PGlite thread's entry and its one-trip client, the empty data folder new
 * embedded databases are unpacked from, the migrations with schema.prisma, and the support
 * matcher's word lists.
 */
import { cpSync } from 'node:fs';

const assets = [
  'adapters/console/page.html',
  'src/db/pglite-thread-worker.mjs',
  'src/db/pglite-one-trip.mjs',
  'src/db/pglite-template.tar.gz',
  'src/db/pglite-template.json',
  'src/db/pglite-template-unpack.mjs',
  'prisma/schema.prisma',
  'prisma/migrations',
  'src/features/support/data',
];
for (const path of assets) cpSync(path, `dist/${path}`, { recursive: true });
