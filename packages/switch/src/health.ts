/**
 * Connection health (seed 001 §4.2 "Connection Maintenance", `evaluate_connection_health`):
 * a score in [0, 1] averaged from latency, reliability (stream success rate) and
 * bandwidth, mapped to Excellent (>= 0.8) / Good (>= 0.6) / Fair (>= 0.4) / Poor (>= 0.2)
 * / Critical. A measure that is not known yet is left out of the average.
 *
 * Bandwidth comes from the connection's byte counters (`Connection.bytesRead` /
 * `bytesWritten`: wire bytes, framing and encryption included), sampled at each
 * maintenance tick — no work per chunk. A tick that moved fewer than
 * `minBandwidthSampleBytes` says how little the application sent, not what the link can
 * carry, so it leaves the estimate as it was; busy ticks are smoothed (EWMA).
 */

/** The health categories of seed 001. */
export type HealthGrade = 'excellent' | 'good' | 'fair' | 'poor' | 'critical'

/** What is measured about one connection. */
export interface HealthSample {
  /** Smoothed round-trip time (ping), ms; `undefined` before the first ping. */
  readonly latencyMs: number | undefined
  /** Streams whose negotiation succeeded (both directions) plus successful pings. */
  readonly successes: number
  /** Streams whose negotiation failed plus failed pings. */
  readonly failures: number
  /** Observed throughput, bytes/s; `undefined` when not measured. */
  readonly bytesPerSecond: number | undefined
}

/** Where the score curves bend. */
export interface HealthInit {
  /** Latency at or below this scores 1, ms. Default 50. */
  excellentLatencyMs?: number
  /** Latency at or above this scores 0, ms. Default 2 000. */
  worstLatencyMs?: number
  /** Throughput at or above this scores 1, bytes/s. Default 1 MiB/s. */
  excellentBytesPerSecond?: number
  /** A maintenance interval that moved fewer bytes (both ways) is not a bandwidth sample. Default 64 KiB. */
  minBandwidthSampleBytes?: number
}

/** The defaults of {@link HealthInit}. */
export const healthDefaults = {
  excellentLatencyMs: 50,
  worstLatencyMs: 2_000,
  excellentBytesPerSecond: 1024 * 1024,
  minBandwidthSampleBytes: 64 * 1024,
} as const

/** Validates `init` (RangeError at the boundary); returns it. */
export function validateHealthInit(init: HealthInit): HealthInit {
  for (const key of Object.keys(healthDefaults) as Array<keyof typeof healthDefaults>) {
    const v = init[key]
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new RangeError(`HealthInit.${key} must be a finite number >= 0`)
    }
  }
  const lo = init.excellentLatencyMs ?? healthDefaults.excellentLatencyMs
  const hi = init.worstLatencyMs ?? healthDefaults.worstLatencyMs
  if (lo <= 0 || hi <= lo) throw new RangeError('HealthInit needs 0 < excellentLatencyMs < worstLatencyMs')
  if ((init.excellentBytesPerSecond ?? 1) <= 0)
    throw new RangeError('HealthInit.excellentBytesPerSecond must be > 0')
  return init
}

/**
 * The throughput of one maintenance interval, bytes/s: `bytes` moved (both directions)
 * in `elapsedMs`; `undefined` when it is no sample (too few bytes, no time elapsed, or a
 * counter that went backwards).
 */
export function throughputSample(
  bytes: number,
  elapsedMs: number,
  init: HealthInit = {},
): number | undefined {
  const min = init.minBandwidthSampleBytes ?? healthDefaults.minBandwidthSampleBytes
  if (!(elapsedMs > 0) || !(bytes >= min) || bytes <= 0) return undefined
  return (bytes * 1000) / elapsedMs
}

/** Smooths throughput samples (EWMA, alpha 0.2, as the latency); the first sample is taken as is. */
export function smoothThroughput(
  previous: number | undefined,
  sample: number | undefined,
): number | undefined {
  if (sample === undefined) return previous
  return previous === undefined ? sample : previous * 0.8 + sample * 0.2
}

/** Latency score: 1 up to `excellent`, 0 from `worst`, linear on a log scale in between. */
export function scoreLatency(latencyMs: number, init: HealthInit = {}): number {
  const lo = init.excellentLatencyMs ?? healthDefaults.excellentLatencyMs
  const hi = init.worstLatencyMs ?? healthDefaults.worstLatencyMs
  if (latencyMs <= lo) return 1
  if (latencyMs >= hi) return 0
  return 1 - Math.log(latencyMs / lo) / Math.log(hi / lo)
}

/** Reliability score: the success rate (1 when nothing happened yet). */
export function scoreReliability(successes: number, failures: number): number {
  const total = successes + failures
  return total === 0 ? 1 : successes / total
}

/** Bandwidth score: throughput / `excellent`, capped at 1. */
export function scoreBandwidth(bytesPerSecond: number, init: HealthInit = {}): number {
  const best = init.excellentBytesPerSecond ?? healthDefaults.excellentBytesPerSecond
  return Math.max(0, Math.min(1, bytesPerSecond / best))
}

/** The overall score: the mean of the known scores (seed 001: `(latency + reliability + bandwidth) / 3`). */
export function healthScore(sample: HealthSample, init: HealthInit = {}): number {
  let sum = scoreReliability(sample.successes, sample.failures)
  let n = 1
  if (sample.latencyMs !== undefined) {
    sum += scoreLatency(sample.latencyMs, init)
    n++
  }
  if (sample.bytesPerSecond !== undefined) {
    sum += scoreBandwidth(sample.bytesPerSecond, init)
    n++
  }
  return sum / n
}

/** The category of a score (seed 001 thresholds). */
export function healthGrade(score: number): HealthGrade {
  if (score >= 0.8) return 'excellent'
  if (score >= 0.6) return 'good'
  if (score >= 0.4) return 'fair'
  if (score >= 0.2) return 'poor'
  return 'critical'
}
