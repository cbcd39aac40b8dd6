/**
 * `@switchyard/cli`: the `switchyard` command (see `bin.ts`). The pieces are
 * exported for tests and for tools that embed the commands.
 */
export { BENCH_TESTS, type BenchTest, type Command, parseCommand, USAGE, UsageError } from './args.js'
export {
  benchCommand,
  benchSizes,
  listenCommand,
  type Output,
  type PerfSummary,
  type PingSummary,
  perfCommand,
  pingCommand,
  pingOn,
} from './commands.js'
export { describeFailure, type Failure } from './failure.js'
export type { Host, HostConnection } from './host.js'
export { loadOrCreateKey } from './key-file.js'
export { formatBytes, megabytesPerSecond, parseSize } from './sizes.js'
export { createTcpHost, type TcpHostInit } from './tcp-host.js'
