import { defineConfig } from 'vitest/config';

// Two cores: at most two test files run at once. Database suites open their own database
// (a PGlite copy of a migrated template, or a fresh PostgreSQL database per file).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
