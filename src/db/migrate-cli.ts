/** `npm run db:migrate`: applies pending migrations to DATABASE_URL or the embedded data folder. */
import { loadConfig } from '../config.ts';
import { openDatabase } from './database.ts';

const config = loadConfig();
const db = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.HEARTH_DATA_DIR,
  sharedBuffers: config.PGLITE_SHARED_BUFFERS,
});
try {
  const applied = await db.migrate();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
} finally {
  await db.close();
}
