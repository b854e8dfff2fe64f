import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files start servers and databases; two cores limit useful parallelism.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
