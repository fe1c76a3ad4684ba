import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

const ALL = ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/**/*.test.ts']
/** Tests that start real processes (the built CLI, the model server, a browser, Python's tools as clients). */
const E2E = ['**/*.e2e.test.ts']

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, not their last build.
    alias: {
      '@keel/contracts': src('contracts'),
      '@keel/ml': src('ml'),
      '@keel/sdk': src('sdk'),
      '@keel/monitoring': src('monitoring'),
    },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL cluster per run for the stores' PostgreSQL suites.
    globalSetup: ['packages/server/test/support/postgres-global-setup.ts'],
    projects: [
      // In-process: the sources through the app's request function, stores, statistics, the UI's logic.
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...E2E, '**/node_modules/**'] } },
      // Real processes where the process is the point: `npm run build` first (they run bin/keel.js).
      { extends: true, test: { name: 'e2e', include: ['packages/**/*.e2e.test.ts', 'examples/**/*.e2e.test.ts'] } },
    ],
  },
})
