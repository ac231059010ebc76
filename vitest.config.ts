import { defineConfig } from 'vitest/config';

// Two cores: at most two test files run at once. Timeouts are generous: on a loaded 2-core machine
// a process start or a PGlite open can take tens of seconds (they bound a hang, not a speed). Database suites open their own database
// (a PGlite copy of a migrated template, or a fresh PostgreSQL database per file).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
