import { switchyardConfig } from '@switchyard/vitest-config'

export default switchyardConfig({
  test: {
    setupFiles: ['./test/setup.ts'],
    testTimeout: 60_000,
  },
})
