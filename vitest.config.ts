import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (export condition "@gateway/source"),
// so tests never run against a stale build. Tests run in Vite's server (SSR) environment, which ignores
// the top-level `resolve.conditions`: the condition must be given there too, beside Vite's own defaults.
const conditions = ['@gateway/source', 'module', 'node', 'development|production'];
const resolve = { conditions };
const ssr = { resolve: { conditions } };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        ssr,
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
