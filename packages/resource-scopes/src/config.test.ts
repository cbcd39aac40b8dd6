import { describe, expect, it } from 'vitest'
import { autoscaleInputs, scaledDefaults } from './autoscale.js'
import { resolveConfig, validateConfig } from './config.js'

const MiB = 1024 ** 2
const GiB = 1024 ** 3

describe('autoscaling', () => {
  it('follows the documented formula', () => {
    const budget = autoscaleInputs({ memoryBytes: 16 * GiB, fdLimit: 4096 })
    expect(budget).toEqual({ memoryBytes: 16 * GiB, fdLimit: 4096, memoryBudget: 2 * GiB, fdBudget: 2048 })
    const d = scaledDefaults(budget)
    // g = 2: base + 2 × perGiB
    expect(d.system.conns).toBe(128 + 2 * 64)
    expect(d.system.streams).toBe(2048 + 2 * 1024)
    expect(d.system.memory).toBe(2 * GiB)
    expect(d.system.fd).toBe(2048)
    expect(d.transient.fd).toBe(512)
    expect(d.conn.memory).toBe(3 * MiB)
    expect(d.conn.streamsInbound).toBe(256)
    expect(d.peer).toMatchObject({
      connsInbound: 4,
      connsOutbound: 4,
      streamsInbound: 256,
      streamsOutbound: 256,
    })
    expect(d.stream.conns).toBe(Number.POSITIVE_INFINITY)
  })

  it('has floors for tiny machines and honours the fractions', () => {
    expect(autoscaleInputs({ memoryBytes: 256 * MiB, fdLimit: 10 })).toMatchObject({
      memoryBudget: 128 * MiB,
      fdBudget: 64,
    })
    expect(
      autoscaleInputs({ memoryBytes: 8 * GiB, fdLimit: 1000, memoryFraction: 0.5, fdFraction: 1 }),
    ).toMatchObject({ memoryBudget: 4 * GiB, fdBudget: 1000 })
  })

  it('lands in the seed table ranges on an 8 GiB machine with 1024 fds', () => {
    const d = scaledDefaults(autoscaleInputs({ memoryBytes: 8 * GiB, fdLimit: 1024 }))
    expect(d.system.conns).toBeGreaterThanOrEqual(128)
    expect(d.system.conns).toBeLessThanOrEqual(256)
    expect(d.system.streams).toBeGreaterThanOrEqual(1024)
    expect(d.system.streams).toBeLessThanOrEqual(4096)
    expect(d.system.fd).toBeGreaterThanOrEqual(256)
    expect(d.system.fd).toBeLessThanOrEqual(512)
    expect(d.conn.memory).toBeGreaterThanOrEqual(1 * MiB)
    expect(d.conn.memory).toBeLessThanOrEqual(4 * MiB)
  })

  it('reads the machine when not pinned', () => {
    const r = autoscaleInputs(undefined)
    expect(r.memoryBytes).toBeGreaterThan(0)
    expect(r.fdLimit).toBeGreaterThan(0)
  })
})

describe('resolveConfig', () => {
  it('applies overrides after scaling, "unlimited" included, and per-name tables', () => {
    const c = resolveConfig({
      autoscale: { memoryBytes: 8 * GiB, fdLimit: 1024 },
      system: { conns: 10, memory: 'unlimited' },
      protocolDefault: { streams: 7 },
      protocol: { '/ipfs/ping/1.0.0': { streamsInbound: 2 } },
    })
    expect(c.limits.system.conns).toBe(10)
    expect(c.limits.system.memory).toBe(Number.POSITIVE_INFINITY)
    expect(c.limits.system.streams).toBe(3072)
    expect(c.named.protocol.get('/ipfs/ping/1.0.0')).toMatchObject({ streams: 7, streamsInbound: 2 })
    expect(c.pressure).toEqual({ highWater: 0.9, lowWater: 0.8 })
    expect(c.subnetConnLimits.ipv6.map((r) => r.prefixLength)).toEqual([56, 48])
  })

  it('round-trips through JSON', () => {
    const config = {
      system: { conns: 'unlimited' },
      allowlist: ['10.0.0.0/8'],
      pressure: { highWater: 0.95 },
    }
    expect(resolveConfig(JSON.parse(JSON.stringify(config))).limits.system.conns).toBe(
      Number.POSITIVE_INFINITY,
    )
  })
})

describe('validateConfig', () => {
  const cases: [unknown, RegExp, ErrorConstructor][] = [
    [42, /"" must be an object \(got 42\)/, TypeError],
    [{ sytem: {} }, /unknown key "sytem" \(expected one of: system, /, TypeError],
    [{ system: { con: 1 } }, /unknown key "system.con"/, TypeError],
    [
      { system: { conns: -1 } },
      /"system.conns" must be a non-negative integer or "unlimited" \(got -1\)/,
      RangeError,
    ],
    [{ system: { conns: 1.5 } }, /"system.conns" must be a non-negative integer/, RangeError],
    [{ system: { conns: 'lots' } }, /"system.conns" .* \(got "lots"\)/, TypeError],
    [{ peer: { alice: { memory: null } } }, /"peer.alice.memory"/, TypeError],
    [{ protocol: [] }, /"protocol" must be an object/, TypeError],
    [
      { autoscale: { memoryFraction: 2 } },
      /"autoscale.memoryFraction" must be a number in \(0, 1\]/,
      RangeError,
    ],
    [{ allowlist: '10.0.0.0/8' }, /"allowlist" must be an array of strings/, TypeError],
    [{ allowlist: ['10.0.0.0/33'] }, /"allowlist\[0\]": "10.0.0.0\/33": prefix length must be/, RangeError],
    [{ allowlist: ['/ip4/1.2.3.4/tcp/1'] }, /only \/ipcidr\/<n> then \/p2p\/<peer>/, RangeError],
    [{ allowlist: ['/dns4/example.com'] }, /must start with \/ip4 or \/ip6/, RangeError],
    [
      { subnetConnLimits: { ipv4: [{ prefixLength: 33, conns: 1 }] } },
      /"subnetConnLimits.ipv4\[0\].prefixLength" must be at most 32/,
      RangeError,
    ],
    [
      { subnetConnLimits: { ipv6: [{ prefixLength: 56 }] } },
      /"subnetConnLimits.ipv6\[0\].conns" must be a non-negative integer \(got undefined\)/,
      TypeError,
    ],
    [
      { inboundRateLimits: { ipv4: [{ prefixLength: 32, perSecond: 0, burst: 1 }] } },
      /perSecond" must be a positive finite number/,
      RangeError,
    ],
    [
      { inboundRateLimits: { global: { perSecond: 1, burst: 0 } } },
      /"inboundRateLimits.global.burst" must be at least 1/,
      RangeError,
    ],
    [
      { pressure: { highWater: 0.5, lowWater: 0.6 } },
      /"pressure.lowWater" must be at most pressure.highWater/,
      RangeError,
    ],
  ]
  for (const [config, message, type] of cases) {
    it(`rejects ${JSON.stringify(config)}`, () => {
      expect(() => validateConfig(config)).toThrow(message)
      expect(() => validateConfig(config)).toThrow(type)
    })
  }

  it('accepts an empty or absent configuration', () => {
    expect(validateConfig(undefined)).toEqual({})
    expect(validateConfig({})).toEqual({})
  })
})
