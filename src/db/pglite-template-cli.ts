import { TEMPLATE_PATH, writeTemplate } from './pglite-template.ts';

/** `npm run db:template`: remakes the shipped empty PGlite data folder (after upgrading PGlite). */
const bytes = await writeTemplate();
console.log(`wrote ${TEMPLATE_PATH} (${(bytes / 1024 / 1024).toFixed(1)} MB)`);
