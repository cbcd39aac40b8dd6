/**
 * Dial backoff (seed 002, "Dial Backoff"): after a failed dial, further dials fail at once
 * until the backoff ends. The duration is `baseMs × multiplier^(failures − 1)`, capped at
 * `maxMs` (5 s, 10 s, 20 s, … 5 min), and a success resets it. Kept per peer (the whole dial
 * failed) and per address of a peer (one address failed while the dial may have succeeded
 * elsewhere, as go-libp2p's older per-(peer, addr) backoff).
 *
 * No timers: entries expire lazily. A failure count is forgotten `maxMs` after its backoff
 * ended, so a peer that failed once long ago starts again at `baseMs`.
 */
import type { Clock } from './clock.js'

/** Backoff numbers. */
export interface BackoffInit {
  /** Backoff after the first failure, ms. Default 5 000. */
  baseMs?: number
  /** Growth per consecutive failure. Default 2. */
  multiplier?: number
  /** Cap, ms. Default 300 000 (5 minutes). */
  maxMs?: number
  /** Peers tracked at most; beyond, the oldest entries are dropped. Default 10 000. */
  maxPeers?: number
}

/** The defaults of `BackoffInit`. */
export const backoffDefaults = {
  baseMs: 5_000,
  multiplier: 2,
  maxMs: 300_000,
  maxPeers: 10_000,
} as const satisfies Required<BackoffInit>

/** Validates `init` and fills in defaults. */
export function validateBackoffInit(init: BackoffInit = {}): Required<BackoffInit> {
  const config = { ...backoffDefaults, ...stripUndefined(init) }
  for (const key of ['baseMs', 'maxMs'] as const) {
    if (!Number.isFinite(config[key]) || config[key] < 0) {
      throw new RangeError(`BackoffInit.${key} must be a finite number >= 0, got ${String(config[key])}`)
    }
  }
  if (!Number.isFinite(config.multiplier) || config.multiplier < 1) {
    throw new RangeError(
      `BackoffInit.multiplier must be a finite number >= 1, got ${String(config.multiplier)}`,
    )
  }
  if (!Number.isInteger(config.maxPeers) || config.maxPeers < 1) {
    throw new RangeError(`BackoffInit.maxPeers must be an integer >= 1, got ${String(config.maxPeers)}`)
  }
  return config
}

/** The backoff after `failures` consecutive failures (pure): `min(base × mult^(failures−1), max)`. */
export function backoffDelayMs(failures: number, config: Required<BackoffInit> = backoffDefaults): number {
  if (failures <= 0) return 0
  // Exponent capped so the power never overflows to Infinity before the min().
  const raw = config.baseMs * config.multiplier ** Math.min(failures - 1, 1024)
  return Math.min(Number.isFinite(raw) ? raw : config.maxMs, config.maxMs)
}

interface Entry {
  failures: number
  until: number
}

interface PeerEntry {
  peer: Entry | undefined
  readonly addrs: Map<string, Entry>
}

/**
 * Backoff state keyed by peer (a string, e.g. `peerId.toString()`; use `''` for dials
 * without a peer id) and, within a peer, by address string.
 */
export class DialBackoff {
  readonly #config: Required<BackoffInit>
  readonly #clock: Clock
  readonly #peers = new Map<string, PeerEntry>()

  constructor(init: BackoffInit, clock: Clock) {
    this.#config = validateBackoffInit(init)
    this.#clock = clock
  }

  /** When the peer's backoff ends, or `undefined` when it is not backed off. */
  peerUntil(peer: string): number | undefined {
    return this.#active(this.#peers.get(peer)?.peer)
  }

  /** When the backoff of one address of the peer ends, or `undefined`. */
  addrUntil(peer: string, addr: string): number | undefined {
    return this.#active(this.#peers.get(peer)?.addrs.get(addr))
  }

  /** Records a failed dial of the peer; returns when the new backoff ends. */
  peerFailed(peer: string): number {
    const e = this.#entry(peer)
    e.peer = this.#grow(e.peer)
    return e.peer.until
  }

  /** Records a failed attempt on one address of the peer; returns when its backoff ends. */
  addrFailed(peer: string, addr: string): number {
    const e = this.#entry(peer)
    const next = this.#grow(e.addrs.get(addr))
    e.addrs.set(addr, next)
    return next.until
  }

  /** A dial of the peer succeeded: its peer-level backoff resets. */
  peerSucceeded(peer: string): void {
    const e = this.#peers.get(peer)
    if (e === undefined) return
    e.peer = undefined
    if (e.addrs.size === 0) this.#peers.delete(peer)
  }

  /** An attempt on the address succeeded: its backoff resets. */
  addrSucceeded(peer: string, addr: string): void {
    const e = this.#peers.get(peer)
    if (e === undefined) return
    e.addrs.delete(addr)
    if (e.peer === undefined && e.addrs.size === 0) this.#peers.delete(peer)
  }

  /** Forgets all backoff of the peer, peer-level and per address. */
  clear(peer: string): void {
    this.#peers.delete(peer)
  }

  /** Peers with any backoff state. */
  get size(): number {
    return this.#peers.size
  }

  #active(e: Entry | undefined): number | undefined {
    return e !== undefined && e.until > this.#clock.now() ? e.until : undefined
  }

  #grow(prev: Entry | undefined): Entry {
    const now = this.#clock.now()
    // A failure count is forgotten once the backoff has been over for `maxMs`.
    const failures = prev !== undefined && now - prev.until < this.#config.maxMs ? prev.failures + 1 : 1
    return { failures, until: now + backoffDelayMs(failures, this.#config) }
  }

  #entry(peer: string): PeerEntry {
    let e = this.#peers.get(peer)
    if (e === undefined) {
      if (this.#peers.size >= this.#config.maxPeers) this.#evict()
      e = { peer: undefined, addrs: new Map() }
      this.#peers.set(peer, e)
    } else {
      // Refresh insertion order: the least recently failed peer is evicted first.
      this.#peers.delete(peer)
      this.#peers.set(peer, e)
    }
    return e
  }

  #evict(): void {
    const now = this.#clock.now()
    const stale = (x: Entry | undefined) => x === undefined || now - x.until >= this.#config.maxMs
    for (const [k, e] of this.#peers) {
      if (stale(e.peer) && [...e.addrs.values()].every(stale)) this.#peers.delete(k)
    }
    while (this.#peers.size >= this.#config.maxPeers) {
      const oldest = this.#peers.keys().next().value as string
      this.#peers.delete(oldest)
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
