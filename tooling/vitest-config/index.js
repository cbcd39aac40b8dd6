// Shared vitest configuration for every Switchyard package.
// - Tests run against sources: the `source` export condition resolves
//   `@switchyard/*` imports to `src/index.ts`, so no build is needed.
// - Every run also writes a JSON report to `.test-results/vitest.json`; `.ci/run`
//   sums those files into the single `N passed, N failed` line.
import { defineConfig, mergeConfig } from 'vitest/config'

const conditions = ['source', 'node', 'import', 'module', 'default']

/** @param {import('vitest/config').UserConfig} [overrides] */
export function switchyardConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: ['source'] } },
      test: {
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        reporters: ['default', 'json'],
        outputFile: { json: '.test-results/vitest.json' },
        testTimeout: 20_000,
        hookTimeout: 20_000,
        pool: 'forks',
      },
    }),
    overrides,
  )
}
