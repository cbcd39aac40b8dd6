/**
 * Per-subnet concurrent connection caps (IPv4 /32: 8; IPv6 /56: 8 and /48: 64 by
 * default), counted over both directions while the connection scope is open.
 */

import { formatPrefix, type IpAddress, prefixOf } from './ip.js'
import type { SubnetConnLimit } from './limits.js'

/** A refusal: the subnet that is full, its count and cap. */
export interface SubnetRefusal {
  readonly scope: string
  readonly current: number
  readonly limit: number
}

/** Counts connections per subnet for a list of rules. */
export class SubnetConnLimiter {
  readonly #v4: readonly SubnetConnLimit[]
  readonly #v6: readonly SubnetConnLimit[]
  /** Connections per subnet key (`10.0.0.0/24`); a key is deleted when its count is 0. */
  readonly #counts = new Map<string, number>()

  constructor(rules: { ipv4: readonly SubnetConnLimit[]; ipv6: readonly SubnetConnLimit[] }) {
    this.#v4 = rules.ipv4
    this.#v6 = rules.ipv6
  }

  /** Subnets with at least one connection (for tests and stats). */
  get subnetCount(): number {
    return this.#counts.size
  }

  #keys(addr: IpAddress): { key: string; limit: number }[] {
    const rules = addr.v4 ? this.#v4 : this.#v6
    return rules.map((r) => ({
      key: formatPrefix(prefixOf(addr, addr.v4 ? 96 + r.prefixLength : r.prefixLength)),
      limit: r.conns,
    }))
  }

  /**
   * Counts one more connection from `addr` in every covering subnet, or none when one
   * of them is full. On success returns the release function (call it exactly once).
   */
  acquire(addr: IpAddress): { release: () => void } | SubnetRefusal {
    const keys = this.#keys(addr)
    for (const { key, limit } of keys) {
      const current = this.#counts.get(key) ?? 0
      if (current + 1 > limit) return { scope: `subnet:${key}`, current, limit }
    }
    for (const { key } of keys) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        for (const { key } of keys) {
          const n = (this.#counts.get(key) ?? 0) - 1
          if (n <= 0) this.#counts.delete(key)
          else this.#counts.set(key, n)
        }
      },
    }
  }
}
