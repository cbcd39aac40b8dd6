import { describe, expect, it } from 'vitest'
import {
  healthGrade,
  healthScore,
  scoreBandwidth,
  scoreLatency,
  scoreReliability,
  smoothThroughput,
  throughputSample,
  validateHealthInit,
} from './health.js'

describe('health (seed 001 §4.2)', () => {
  it.each([
    [0.95, 'excellent'],
    [0.8, 'excellent'],
    [0.7, 'good'],
    [0.5, 'fair'],
    [0.25, 'poor'],
    [0.1, 'critical'],
  ] as const)('score %d is %s', (score, grade) => {
    expect(healthGrade(score)).toBe(grade)
  })

  it('scores latency, reliability and bandwidth', () => {
    expect(scoreLatency(10)).toBe(1)
    expect(scoreLatency(5_000)).toBe(0)
    const mid = scoreLatency(300)
    expect(mid).toBeGreaterThan(0)
    expect(mid).toBeLessThan(1)
    expect(scoreReliability(0, 0)).toBe(1)
    expect(scoreReliability(3, 1)).toBe(0.75)
    expect(scoreBandwidth(2 * 1024 * 1024)).toBe(1)
    expect(scoreBandwidth(512 * 1024)).toBe(0.5)
  })

  it('averages only the known measures', () => {
    expect(healthScore({ latencyMs: undefined, successes: 1, failures: 1, bytesPerSecond: undefined })).toBe(
      0.5,
    )
    expect(healthScore({ latencyMs: 10, successes: 1, failures: 1, bytesPerSecond: undefined })).toBe(0.75)
    expect(healthScore({ latencyMs: 10_000, successes: 0, failures: 5, bytesPerSecond: 0 })).toBe(0)
    expect(
      healthGrade(healthScore({ latencyMs: 10_000, successes: 0, failures: 5, bytesPerSecond: 0 })),
    ).toBe('critical')
  })

  it.each([
    // bytes/s, excellentBytesPerSecond, score
    [0, undefined, 0],
    [256 * 1024, undefined, 0.25],
    [1024 * 1024, undefined, 1],
    [10 * 1024 * 1024, undefined, 1],
    [50_000, 100_000, 0.5],
    [-1, undefined, 0],
  ] as const)('bandwidth %d B/s (excellent %s) scores %d', (bps, excellent, score) => {
    expect(scoreBandwidth(bps, excellent === undefined ? {} : { excellentBytesPerSecond: excellent })).toBe(
      score,
    )
  })

  it.each([
    // bytes, elapsed ms, minBandwidthSampleBytes, sample
    [1024 * 1024, 1_000, undefined, 1024 * 1024],
    [1024 * 1024, 10_000, undefined, 104_857.6],
    [64 * 1024, 1_000, undefined, 64 * 1024],
    [64 * 1024 - 1, 1_000, undefined, undefined], // an idle interval is no sample
    [100, 1_000, 0, 100],
    [0, 1_000, 0, undefined],
    [1024 * 1024, 0, undefined, undefined],
    [-5, 1_000, 0, undefined], // a counter that went backwards
  ] as const)('%d bytes in %d ms (min %s) is a sample of %s B/s', (bytes, ms, min, sample) => {
    expect(throughputSample(bytes, ms, min === undefined ? {} : { minBandwidthSampleBytes: min })).toBe(
      sample,
    )
  })

  it('smooths throughput samples and keeps the estimate over idle intervals', () => {
    expect(smoothThroughput(undefined, undefined)).toBeUndefined()
    expect(smoothThroughput(undefined, 1_000)).toBe(1_000)
    expect(smoothThroughput(1_000, undefined)).toBe(1_000)
    expect(smoothThroughput(1_000, 2_000)).toBe(1_200)
  })

  it('bandwidth enters the average', () => {
    const sample = { latencyMs: 10, successes: 1, failures: 0 }
    expect(healthScore({ ...sample, bytesPerSecond: undefined })).toBe(1)
    expect(healthScore({ ...sample, bytesPerSecond: 512 * 1024 })).toBeCloseTo(2.5 / 3)
    expect(healthGrade(healthScore({ ...sample, bytesPerSecond: 0 }))).toBe('good')
  })

  it('validates its init', () => {
    expect(validateHealthInit({})).toEqual({})
    expect(() => validateHealthInit({ minBandwidthSampleBytes: -1 })).toThrow(RangeError)
    expect(() => validateHealthInit({ excellentBytesPerSecond: 0 })).toThrow(RangeError)
    expect(() => validateHealthInit({ excellentLatencyMs: 100, worstLatencyMs: 50 })).toThrow(RangeError)
    expect(() => validateHealthInit({ worstLatencyMs: Number.NaN })).toThrow(RangeError)
  })
})
