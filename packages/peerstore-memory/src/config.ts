/**
 * Configuration of the in-memory peerstore (also the working set of the
 * persistent ones built on it).
 */

/** Options of `createMemoryPeerstore`. */
export interface MemoryPeerstoreInit {
  /** The clock, in milliseconds. Inject a fake one in tests. Default `Date.now`. */
  now?: () => number
  /** How often GC runs on the store's own (unref'd) timer; 0 disables the timer. Default 60 s. */
  gcIntervalMs?: number
  /**
   * The most peers held. At the cap, the least recently written peer that is
   * neither connected, tagged, nor holding a permanent/connected address is
   * evicted; when none is found among the oldest `evictionScanLimit` peers, the
   * write throws `PEERSTORE_FULL`. Default 100,000.
   */
  maxPeers?: number
  /** How many of the oldest peers eviction inspects. Default 256. */
  evictionScanLimit?: number
  /** Addresses per peer; beyond it the soonest-expiring ones are dropped. Default 64. */
  maxAddrsPerPeer?: number
  /** Largest encoded multiaddr kept, in bytes; longer ones are ignored. Default 1024. */
  maxAddrBytes?: number
  /** Protocols per peer; beyond it the rest are ignored. Default 128. */
  maxProtocolsPerPeer?: number
  /** Longest protocol id kept, in UTF-16 code units; longer ones are ignored. Default 512. */
  maxProtocolLength?: number
  /** Metadata keys per peer; one more throws `PEERSTORE_LIMIT_EXCEEDED`. Default 32. */
  maxMetadataPerPeer?: number
  /** Largest metadata value, in bytes; a larger one throws `PEERSTORE_LIMIT_EXCEEDED`. Default 8 KiB. */
  maxMetadataValueBytes?: number
  /** Tags per peer; one more throws `PEERSTORE_LIMIT_EXCEEDED`. Default 32. */
  maxTagsPerPeer?: number
  /** Largest public key, in bytes; a larger one throws `PEERSTORE_LIMIT_EXCEEDED`. Default 1 KiB. */
  maxPublicKeyBytes?: number
  /** Weight of a new sample in the latency EWMA. Default 0.1 (go-libp2p `LatencyEWMASmoothing`). */
  latencySmoothing?: number
}

/** The defaults of `MemoryPeerstoreInit`. */
export const defaults = {
  now: Date.now,
  gcIntervalMs: 60_000,
  maxPeers: 100_000,
  evictionScanLimit: 256,
  maxAddrsPerPeer: 64,
  maxAddrBytes: 1024,
  maxProtocolsPerPeer: 128,
  maxProtocolLength: 512,
  maxMetadataPerPeer: 32,
  maxMetadataValueBytes: 8192,
  maxTagsPerPeer: 32,
  maxPublicKeyBytes: 1024,
  latencySmoothing: 0.1,
} as const satisfies Required<MemoryPeerstoreInit>

/** The init with every default filled in. */
export type MemoryPeerstoreConfig = {
  readonly [K in keyof MemoryPeerstoreInit]-?: NonNullable<MemoryPeerstoreInit[K]>
}

const INTEGER_LIMITS = [
  'maxPeers',
  'evictionScanLimit',
  'maxAddrsPerPeer',
  'maxAddrBytes',
  'maxProtocolsPerPeer',
  'maxProtocolLength',
  'maxMetadataPerPeer',
  'maxMetadataValueBytes',
  'maxTagsPerPeer',
  'maxPublicKeyBytes',
] as const

/** Fills in defaults and checks ranges; throws TypeError / RangeError. */
export function validateInit(init: MemoryPeerstoreInit = {}): MemoryPeerstoreConfig {
  const config = { ...defaults, ...stripUndefined(init) }
  if (typeof config.now !== 'function') throw new TypeError('now must be a function')
  if (!Number.isInteger(config.gcIntervalMs) || config.gcIntervalMs < 0) {
    throw new RangeError('gcIntervalMs must be an integer >= 0')
  }
  for (const key of INTEGER_LIMITS) {
    const v = config[key]
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${key} must be an integer >= 1`)
  }
  if (!(config.latencySmoothing > 0 && config.latencySmoothing <= 1)) {
    throw new RangeError('latencySmoothing must be in (0, 1]')
  }
  return config
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
