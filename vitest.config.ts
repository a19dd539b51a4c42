import { defineConfig } from 'vitest/config';

// Unit and integration tests sit beside the code (x.test.ts). Integration tests that spawn
// processes or touch /dev/shm run in forks so a crash cannot take the runner with it.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
