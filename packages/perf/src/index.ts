export {
  handlePerf,
  PERF_PROTOCOL,
  PerfError,
  type PerfErrorCode,
  type PerfOptions,
  type PerfProgress,
  type PerfResult,
  type PerfServerOptions,
  runPerf,
} from './perf.js'
