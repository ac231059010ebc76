import { TEMPLATE_PATH, writeTemplate } from './pglite-template.ts';

/** `npm run db:template`: remakes the shipped PGlite data folder (after upgrading PGlite or adding a migration). */
const bytes = await writeTemplate();
console.log(`wrote ${TEMPLATE_PATH} (${(bytes / 1024 / 1024).toFixed(1)} MB)`);
