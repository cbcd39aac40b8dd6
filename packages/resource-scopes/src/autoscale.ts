/**
 * Default limits and their autoscaling from system memory and the fd limit.
 *
 * The formula (documented in the README):
 *
 *   memoryBudget = max(128 MiB, floor(memoryBytes × memoryFraction))   memoryFraction = 1/8
 *   fdBudget     = max(64, floor(fdLimit × fdFraction))                 fdFraction = 1/2
 *   g            = memoryBudget / 1 GiB
 *   limit        = floor(base + perGiB × g)       for each scope class and resource
 *
 * except that system memory is the whole `memoryBudget`, system fds the whole
 * `fdBudget` and transient fds a quarter of it. The bases follow the seed's table of
 * typical limits (seed 002, "Typical Default Limits"); a machine with 8 GiB of memory
 * (g = 1) lands in the middle of each range it gives.
 */

import { readFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import type { ResourceKind } from '@switchyard/interface'
import type { AutoscaleConfig, ScopeClass, ScopeLimit } from './limits.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const INF = Number.POSITIVE_INFINITY

/** Defaults of autoscaling's inputs. */
export const autoscaleDefaults = {
  memoryFraction: 1 / 8,
  fdFraction: 1 / 2,
  minMemoryBytes: 128 * MiB,
  minFd: 64,
  /** Used when the fd limit cannot be read. */
  fallbackFdLimit: 1024,
} as const

type Row = { readonly [K in ResourceKind]?: number }
interface ScalingRow {
  readonly base: Row
  readonly perGiB?: Row
}

/**
 * The scaling table: `base` at g = 0 and `perGiB` added per GiB of memory budget.
 * Resources absent from a row are unlimited for that class (it never holds them).
 */
export const scalingTable: { readonly [K in Exclude<ScopeClass, 'span'>]: ScalingRow } = {
  system: {
    base: {
      conns: 128,
      connsInbound: 64,
      connsOutbound: 128,
      streams: 2048,
      streamsInbound: 1024,
      streamsOutbound: 2048,
    },
    perGiB: {
      conns: 64,
      connsInbound: 32,
      connsOutbound: 64,
      streams: 1024,
      streamsInbound: 512,
      streamsOutbound: 1024,
    },
  },
  transient: {
    base: {
      conns: 32,
      connsInbound: 16,
      connsOutbound: 32,
      streams: 128,
      streamsInbound: 64,
      streamsOutbound: 128,
      memory: 32 * MiB,
    },
    perGiB: {
      conns: 16,
      connsInbound: 8,
      connsOutbound: 16,
      streams: 64,
      streamsInbound: 32,
      streamsOutbound: 64,
      memory: 16 * MiB,
    },
  },
  allowlistedSystem: {
    base: {
      conns: 128,
      connsInbound: 64,
      connsOutbound: 128,
      streams: 2048,
      streamsInbound: 1024,
      streamsOutbound: 2048,
    },
    perGiB: {
      conns: 64,
      connsInbound: 32,
      connsOutbound: 64,
      streams: 1024,
      streamsInbound: 512,
      streamsOutbound: 1024,
    },
  },
  allowlistedTransient: {
    base: {
      conns: 32,
      connsInbound: 16,
      connsOutbound: 32,
      streams: 128,
      streamsInbound: 64,
      streamsOutbound: 128,
      memory: 32 * MiB,
    },
    perGiB: {
      conns: 16,
      connsInbound: 8,
      connsOutbound: 16,
      streams: 64,
      streamsInbound: 32,
      streamsOutbound: 64,
      memory: 16 * MiB,
    },
  },
  service: {
    base: { streams: 4096, streamsInbound: 2048, streamsOutbound: 4096, memory: 64 * MiB },
    perGiB: { streams: 2048, streamsInbound: 1024, streamsOutbound: 2048, memory: 64 * MiB },
  },
  servicePeer: {
    base: { streams: 256, streamsInbound: 128, streamsOutbound: 256, memory: 16 * MiB },
    perGiB: { memory: 8 * MiB },
  },
  protocol: {
    base: { streams: 4096, streamsInbound: 2048, streamsOutbound: 4096, memory: 64 * MiB },
    perGiB: { streams: 2048, streamsInbound: 1024, streamsOutbound: 2048, memory: 64 * MiB },
  },
  protocolPeer: {
    base: { streams: 256, streamsInbound: 128, streamsOutbound: 256, memory: 16 * MiB },
    perGiB: { memory: 8 * MiB },
  },
  peer: {
    base: {
      conns: 8,
      connsInbound: 4,
      connsOutbound: 4,
      fd: 8,
      streams: 512,
      streamsInbound: 256,
      streamsOutbound: 256,
      memory: 32 * MiB,
    },
    perGiB: { memory: 16 * MiB },
  },
  conn: {
    base: {
      conns: 1,
      connsInbound: 1,
      connsOutbound: 1,
      fd: 1,
      streams: 512,
      streamsInbound: 256,
      streamsOutbound: 256,
      memory: 1 * MiB,
    },
    perGiB: { memory: 1 * MiB },
  },
  stream: {
    base: { streams: 1, streamsInbound: 1, streamsOutbound: 1, memory: 16 * MiB },
  },
}

/** The inputs autoscaling resolved to, reported in stats. */
export interface AutoscaleResult {
  readonly memoryBytes: number
  readonly fdLimit: number
  readonly memoryBudget: number
  readonly fdBudget: number
}

/**
 * Reads the soft `RLIMIT_NOFILE` from `/proc/self/limits` (Linux); Node has no API
 * for getrlimit. `undefined` elsewhere or when unreadable.
 */
export function readFdLimit(): number | undefined {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8')
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text)
    if (m === null) return undefined
    return m[1] === 'unlimited' ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** Resolves autoscaling's inputs: explicit values, else the machine's. */
export function autoscaleInputs(config: AutoscaleConfig | undefined): AutoscaleResult {
  const memoryBytes = config?.memoryBytes ?? totalmem()
  const fdLimit = config?.fdLimit ?? readFdLimit() ?? autoscaleDefaults.fallbackFdLimit
  const memoryFraction = config?.memoryFraction ?? autoscaleDefaults.memoryFraction
  const fdFraction = config?.fdFraction ?? autoscaleDefaults.fdFraction
  return {
    memoryBytes,
    fdLimit,
    memoryBudget: Math.max(autoscaleDefaults.minMemoryBytes, Math.floor(memoryBytes * memoryFraction)),
    fdBudget: Math.max(autoscaleDefaults.minFd, Math.floor(fdLimit * fdFraction)),
  }
}

/** The default limits of every scope class for the given budgets. Pure. */
export function scaledDefaults(budget: AutoscaleResult): { [K in Exclude<ScopeClass, 'span'>]: ScopeLimit } {
  const g = budget.memoryBudget / GiB
  const scale = (row: ScalingRow): ScopeLimit => {
    const out: Record<ResourceKind, number> = {
      memory: INF,
      fd: INF,
      conns: INF,
      connsInbound: INF,
      connsOutbound: INF,
      streams: INF,
      streamsInbound: INF,
      streamsOutbound: INF,
    }
    for (const [k, base] of Object.entries(row.base) as [ResourceKind, number][]) {
      out[k] = Math.floor(base + (row.perGiB?.[k] ?? 0) * g)
    }
    return out
  }
  const t = scalingTable
  const system = { ...scale(t.system), memory: budget.memoryBudget, fd: budget.fdBudget }
  const transientFd = Math.max(1, Math.floor(budget.fdBudget / 4))
  return {
    system,
    transient: { ...scale(t.transient), fd: transientFd },
    allowlistedSystem: { ...scale(t.allowlistedSystem), memory: budget.memoryBudget, fd: budget.fdBudget },
    allowlistedTransient: { ...scale(t.allowlistedTransient), fd: transientFd },
    service: scale(t.service),
    servicePeer: scale(t.servicePeer),
    protocol: scale(t.protocol),
    protocolPeer: scale(t.protocolPeer),
    peer: scale(t.peer),
    conn: scale(t.conn),
    stream: scale(t.stream),
  }
}
