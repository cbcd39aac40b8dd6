import { describe, expect, it } from 'vitest'
import { healthGrade, healthScore, scoreBandwidth, scoreLatency, scoreReliability } from './health.js'

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
})
