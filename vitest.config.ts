import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (export condition "@gateway/source"),
// so tests never run against a stale build.
const resolve = { conditions: ['@gateway/source'] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/src/**/*.int.test.ts', 'tests/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two cores: integration files share one Redis and spawn servers; two at a time keeps them honest.
          maxWorkers: 2,
        },
      },
    ],
  },
});
