/**
 * The dialer (seed 002, "Dialing" → "Dial Flow", steps 1–8): existing connection → resolve
 * addresses → backoff → gating → filtering → ranking → staggered parallel attempts → first
 * success wins. Independent of concrete transports: the switch passes `dialAddress`
 * ("transport.dial + upgrader.upgradeOutbound") and the lookups it owns.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  type ConnectionGater,
  enforceGate,
  type PeerId,
  SwitchyardError,
  throwIfAborted,
} from '@switchyard/interface'
import { classifyAddr } from './addr-class.js'
import { type BackoffInit, DialBackoff } from './backoff.js'
import { BlackHoleDetector, type BlackHoleInit } from './black-hole.js'
import { type Clock, systemClock } from './clock.js'
import { DialDedupe, type SharedDial } from './dedupe.js'
import { type AttemptOutcome, DialWorker } from './dial-worker.js'
import { AddressErrors, DialBackoffError, DialError, errorCode } from './errors.js'
import { DialLimiter } from './limiter.js'
import { type RankCandidate, type RankInit, rankAddresses, validateRankInit } from './rank.js'

/** What to dial: a peer (its known addresses are added), explicit addresses, or both. */
export interface DialTarget {
  readonly peer?: PeerId | undefined
  readonly addrs?: readonly Multiaddr[] | undefined
}

/** Options of one `dial()`. */
export interface DialerDialOptions extends AbortOptions {
  /** Queue priority when the global limit is reached; higher first. Default `defaultPriority` (50). */
  priority?: number
  /** Ignore peer and address backoff and black-hole filtering (a user asked explicitly). Default false. */
  force?: boolean
  /**
   * Always dial a new connection: skip `existingConnection` and do not join (nor let others
   * join) a dial of the same peer in progress. Default false.
   */
  newConnection?: boolean
}

/** The outcome of one address attempt, for the peerstore's dial stats. */
export type DialRecord = { readonly ok: true } | { readonly ok: false; readonly code?: string }

/** Configuration of {@link createDialer}. Only `dialAddress` and `closeConnection` are required. */
export interface DialerInit<C> {
  /** Dials and upgrades one address ("transport.dial + upgrader.upgradeOutbound"). Must honour `signal`. */
  dialAddress(addr: Multiaddr, options: { signal: AbortSignal; peer: PeerId | undefined }): Promise<C>
  /** Closes a connection that lost the race (it finished after another address won or the dial was cancelled). */
  closeConnection(conn: C): void
  /** An open connection to `peer`, returned instead of dialing (the switch's connection pool). */
  existingConnection?(peer: PeerId): C | undefined
  /** Known addresses of `peer` with their dial stats (a peerstore's `addrs(peer)` fits). */
  addressesOf?(peer: PeerId): readonly RankCandidate[]
  /** Called after every finished attempt (a peerstore's `recordDial` fits). */
  recordDial?(peer: PeerId, addr: Multiaddr, outcome: DialRecord): void
  /** Consulted before dialing a peer (`interceptPeerDial`) and each address (`interceptAddrDial`). Default: allow all. */
  gater?: ConnectionGater | undefined
  /** True when some transport can dial `addr`. Default: every address. */
  canDial?(addr: Multiaddr): boolean
  /** Our own listen addresses, never dialled. */
  listenAddresses?(): readonly Multiaddr[]
  /** Our own peer id: dialing it fails with `DIAL_SELF`. */
  localPeer?: PeerId | undefined
  /** Time source. Default {@link systemClock}. */
  clock?: Clock | undefined

  /** Address attempts in flight across all dials. Default 100. */
  maxParallelDials?: number
  /** Address attempts in flight for one dial. Default 8. */
  maxParallelDialsPerPeer?: number
  /** Attempts waiting for a slot at most; beyond, `DIAL_QUEUE_FULL`. Default 500. */
  maxDialQueueLength?: number
  /** Time limit of a whole dial, ms. Default 15 000 (go-libp2p `DialTimeout`). */
  dialTimeoutMs?: number
  /** Time limit of one address attempt (dial + upgrade), ms. Default 10 000. */
  addressTimeoutMs?: number
  /** Per-address causes kept in an aggregate error. Default 16. */
  maxErrors?: number
  /** Priority of dials that give none. Default 50. */
  defaultPriority?: number
  /** Ranker delays. Defaults: {@link rankDefaults}. */
  rank?: RankInit
  /** Backoff numbers. Defaults: {@link backoffDefaults}. */
  backoff?: BackoffInit
  /** Black-hole detection settings, or `false` to turn it off. Defaults: {@link blackHoleDefaults}. */
  blackHole?: BlackHoleInit | false
}

/** The defaults of the numbers of `DialerInit`. */
export const dialerDefaults = {
  maxParallelDials: 100,
  maxParallelDialsPerPeer: 8,
  maxDialQueueLength: 500,
  dialTimeoutMs: 15_000,
  addressTimeoutMs: 10_000,
  maxErrors: 16,
  defaultPriority: 50,
} as const

type Numbers = { -readonly [K in keyof typeof dialerDefaults]: number }

function validate<C>(init: DialerInit<C>): Numbers {
  if (init === null || typeof init !== 'object') throw new TypeError('DialerInit is required')
  if (typeof init.dialAddress !== 'function') throw new TypeError('DialerInit.dialAddress must be a function')
  if (typeof init.closeConnection !== 'function') {
    throw new TypeError('DialerInit.closeConnection must be a function')
  }
  const config = { ...dialerDefaults } as Numbers
  for (const key of Object.keys(dialerDefaults) as (keyof Numbers)[]) {
    const v = init[key]
    if (v !== undefined) config[key] = v
  }
  for (const key of ['maxParallelDials', 'maxParallelDialsPerPeer', 'maxErrors'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) {
      throw new RangeError(`DialerInit.${key} must be an integer >= 1, got ${String(config[key])}`)
    }
  }
  if (!Number.isInteger(config.maxDialQueueLength) || config.maxDialQueueLength < 0) {
    throw new RangeError(`DialerInit.maxDialQueueLength must be an integer >= 0`)
  }
  for (const key of ['dialTimeoutMs', 'addressTimeoutMs'] as const) {
    if (!Number.isFinite(config[key]) || config[key] <= 0) {
      throw new RangeError(`DialerInit.${key} must be a finite number > 0, got ${String(config[key])}`)
    }
  }
  if (!Number.isFinite(config.defaultPriority))
    throw new RangeError('DialerInit.defaultPriority must be finite')
  return config
}

/** Why an address was dropped before dialing. */
export type AddressFilterReason = 'unspecified' | 'own-address' | 'peer-mismatch' | 'no-transport' | 'gated'

/** Creates a dialer. */
export function createDialer<C>(init: DialerInit<C>): Dialer<C> {
  return new Dialer(init)
}

/** Ranked, staggered, deduplicated dialing with backoff. See `createDialer`. */
export class Dialer<C> {
  readonly #init: DialerInit<C>
  readonly #config: Numbers
  readonly #clock: Clock
  readonly #rank: Required<RankInit>
  readonly #backoff: DialBackoff
  readonly #blackHole: BlackHoleDetector | undefined
  readonly #limiter: DialLimiter
  readonly #dedupe = new DialDedupe<C>()
  #closed = false
  /** Counter of `newConnection` dials (their private dedupe keys). */
  #freshDials = 0

  constructor(init: DialerInit<C>) {
    this.#config = validate(init)
    this.#init = init
    this.#clock = init.clock ?? systemClock
    this.#rank = validateRankInit(init.rank)
    this.#backoff = new DialBackoff(init.backoff ?? {}, this.#clock)
    this.#blackHole = init.blackHole === false ? undefined : new BlackHoleDetector(init.blackHole ?? {})
    this.#limiter = new DialLimiter(this.#config.maxParallelDials, this.#config.maxDialQueueLength)
  }

  /**
   * Dials `target`: returns an open connection to the peer if there is one, joins a dial of
   * the same peer in progress, or starts one. Rejects with a {@link DialError} (aggregate
   * per-address causes for `DIAL_FAILED` / `DIAL_TIMEOUT`), a {@link DialBackoffError}, a
   * `ConnectionGatedError`, or `signal.reason`.
   */
  async dial(target: DialTarget, options: DialerDialOptions = {}): Promise<C> {
    throwIfAborted(options.signal)
    if (target === null || typeof target !== 'object') throw new TypeError('dial target is required')
    const { peer } = target
    const addrs = target.addrs ?? []
    if (!Array.isArray(addrs)) throw new TypeError('DialTarget.addrs must be an array')
    const priority = options.priority ?? this.#config.defaultPriority
    if (!Number.isFinite(priority)) throw new RangeError('priority must be a finite number')
    if (this.#closed) throw new DialError('DIAL_CLOSED', 'the dialer is closed')
    if (peer === undefined && addrs.length === 0) {
      throw new DialError('DIAL_NO_ADDRESSES', 'nothing to dial: no peer and no addresses')
    }

    const fresh = options.newConnection === true
    let key: string
    if (peer !== undefined) {
      // Seed 002 "Dial Flow" 1: an existing connection is returned as is.
      const existing = fresh ? undefined : this.#init.existingConnection?.(peer)
      if (existing !== undefined) return existing
      if (this.#init.localPeer?.equals(peer) === true)
        throw new DialError('DIAL_SELF', 'cannot dial ourselves')
      key = `p:${peer.toString()}`
      // Step 3: backoff. Step 4: gating.
      if (options.force !== true) {
        const until = this.#backoff.peerUntil(key)
        if (until !== undefined) throw new DialBackoffError(until, `peer ${peer.toString()}`)
      }
      enforceGate(this.#init.gater?.interceptPeerDial?.(peer), 'peer-dial')
    } else {
      key = `a:${addrs
        .map((a) => a.toString())
        .sort()
        .join(' ')}`
    }
    // A new connection is a dial of its own: under a key nobody else joins (the dedupe still
    // tracks it, so `close()` cancels it), while backoff and outcomes stay keyed by the peer.
    const dedupeKey = fresh ? `n:${++this.#freshDials}` : key
    return this.#dedupe.join(
      dedupeKey,
      () => this.#start(key, peer, addrs, priority, options.force === true),
      options.signal,
    )
  }

  /** Forgets the backoff of `peer` (peer-level and per address). */
  clearBackoff(peer: PeerId): void {
    this.#backoff.clear(`p:${peer.toString()}`)
  }

  /** When the peer-level backoff of `peer` ends, or `undefined`. */
  backoffUntil(peer: PeerId): number | undefined {
    return this.#backoff.peerUntil(`p:${peer.toString()}`)
  }

  /** The black-hole state of an address class (`'ipv6'`, `'udp'`, …), or `undefined` when off/unknown. */
  blackHoleState(name: string): 'probing' | 'allowed' | 'blocked' | undefined {
    return this.#blackHole?.state(name)
  }

  /** Dials in progress (after deduplication). */
  get activeDials(): number {
    return this.#dedupe.size
  }

  /** Address attempts holding or waiting for a global slot. */
  get pendingAttempts(): { active: number; queued: number } {
    return { active: this.#limiter.active, queued: this.#limiter.queued }
  }

  /** Cancels every dial in progress (`DIAL_CLOSED`); later dials fail at once. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#dedupe.cancelAll(new DialError('DIAL_CLOSED', 'the dialer was closed'))
  }

  #start(
    key: string,
    peer: PeerId | undefined,
    explicit: readonly Multiaddr[],
    priority: number,
    force: boolean,
  ): SharedDial<C> {
    let schedule: ReturnType<typeof rankAddresses>
    try {
      schedule = rankAddresses(this.#candidates(key, peer, explicit, force), this.#clock.now(), this.#rank)
    } catch (err) {
      const promise = Promise.reject(err)
      promise.catch(() => {})
      return { promise, cancel: () => {} }
    }

    const init = this.#init
    const worker = new DialWorker<C>({
      schedule,
      dialAddress: (addr, { signal }) => init.dialAddress(addr, { signal, peer }),
      closeConnection: (conn) => init.closeConnection(conn),
      clock: this.#clock,
      limiter: this.#limiter,
      priority,
      maxParallel: this.#config.maxParallelDialsPerPeer,
      addressTimeoutMs: this.#config.addressTimeoutMs,
      maxErrors: this.#config.maxErrors,
      onOutcome: (addr, outcome) => this.#onOutcome(key, peer, addr, outcome),
    })
    let cancelled = false
    const timeoutMs = this.#config.dialTimeoutMs
    const timer = this.#clock.setTimeout(() => {
      worker.cancel(worker.errors.toError('DIAL_TIMEOUT', `dial timed out after ${timeoutMs} ms`))
    }, timeoutMs)
    const promise = worker.start().then(
      ({ conn }) => {
        this.#clock.clearTimeout(timer)
        if (peer !== undefined) this.#backoff.peerSucceeded(key)
        return conn
      },
      (err: unknown) => {
        this.#clock.clearTimeout(timer)
        // Seed 002 "On all failures: activate dial backoff for the peer" (not when the callers gave up).
        if (peer !== undefined && !cancelled) this.#backoff.peerFailed(key)
        throw err
      },
    )
    promise.catch(() => {})
    return {
      promise,
      cancel: (reason) => {
        cancelled = true
        worker.cancel(reason)
      },
    }
  }

  /** Resolves and filters the addresses of one dial; throws when none is left. */
  #candidates(
    key: string,
    peer: PeerId | undefined,
    explicit: readonly Multiaddr[],
    force: boolean,
  ): RankCandidate[] {
    const init = this.#init
    // Keyed by transport address (without a trailing `/p2p/<id>`): an explicit
    // `…/tcp/1/p2p/Q` and the stored `…/tcp/1` are one address, dialled once.
    const byAddr = new Map<string, RankCandidate>()
    for (const a of explicit) byAddr.set(transportKey(a), { multiaddr: a })
    if (peer !== undefined && init.addressesOf !== undefined) {
      // Stored stats win over a bare explicit address: they feed "recently successful first"
      // (and the stored address is the one the peerstore records the outcome under).
      for (const rec of init.addressesOf(peer)) byAddr.set(transportKey(rec.multiaddr), rec)
    }
    if (byAddr.size === 0) {
      throw new DialError('DIAL_NO_ADDRESSES', `no addresses known for peer ${String(peer)}`)
    }

    const own = new Set((init.listenAddresses?.() ?? []).map(transportKey))
    const dropped = new AddressErrors(this.#config.maxErrors)
    const kept: RankCandidate[] = []
    const peerString = peer?.toString()
    for (const [key, c] of byAddr) {
      const reason = this.#filterReason(c.multiaddr, peer, peerString, own.has(key))
      if (reason === undefined) kept.push(c)
      else dropped.add(c.multiaddr, reason)
    }

    let backedOff: number | undefined
    let dialable = kept
    if (!force) {
      dialable = []
      for (const c of kept) {
        const until = this.#backoff.addrUntil(key, c.multiaddr.toString())
        if (until === undefined) dialable.push(c)
        else {
          backedOff = backedOff === undefined ? until : Math.min(backedOff, until)
          dropped.add(c.multiaddr, new DialBackoffError(until, c.multiaddr.toString()))
        }
      }
    }
    let blackHoled = 0
    if (!force && this.#blackHole !== undefined && dialable.length > 0) {
      const { blocked } = this.#blackHole.filter(dialable.map((c) => c.multiaddr))
      if (blocked.length > 0) {
        const set = new Set(blocked)
        dialable = dialable.filter((c) => !set.has(c.multiaddr))
        blackHoled = blocked.length
        for (const a of blocked)
          dropped.add(a, new DialError('DIAL_BLACK_HOLED', 'address class is a black hole'))
      }
    }
    if (dialable.length > 0) return dialable
    if (blackHoled > 0) throw dropped.toError('DIAL_BLACK_HOLED', 'every remaining address is black-holed')
    if (backedOff !== undefined)
      throw new DialBackoffError(backedOff, `every address of ${String(peer ?? 'the target')}`)
    throw dropped.toError('DIAL_NO_ADDRESSES', 'no dialable address')
  }

  #filterReason(
    addr: Multiaddr,
    peer: PeerId | undefined,
    peerString: string | undefined,
    ownAddress: boolean,
  ): unknown {
    const cls = classifyAddr(addr)
    if (cls.unspecified) return dropReason('unspecified', addr)
    if (cls.peerId !== undefined && peerString !== undefined && cls.peerId !== peerString) {
      return dropReason('peer-mismatch', addr)
    }
    if (ownAddress) return dropReason('own-address', addr)
    if (this.#init.canDial !== undefined && !this.#init.canDial(addr)) return dropReason('no-transport', addr)
    const verdict = this.#init.gater?.interceptAddrDial?.(peer, addr)
    if (verdict !== undefined && !verdict.allow) {
      try {
        enforceGate(verdict, 'addr-dial')
      } catch (err) {
        return err
      }
    }
    return undefined
  }

  #onOutcome(key: string, peer: PeerId | undefined, addr: Multiaddr, outcome: AttemptOutcome): void {
    const addrString = addr.toString()
    if (outcome.ok) {
      this.#backoff.addrSucceeded(key, addrString)
      this.#blackHole?.record(addr, true)
      if (peer !== undefined) this.#init.recordDial?.(peer, addr, { ok: true })
      return
    }
    // Local refusals say nothing about the address.
    if (isLocalRefusal(outcome.error)) return
    this.#backoff.addrFailed(key, addrString)
    this.#blackHole?.record(addr, false)
    if (peer !== undefined) {
      const code = errorCode(outcome.error)
      this.#init.recordDial?.(peer, addr, code === undefined ? { ok: false } : { ok: false, code })
    }
  }
}

/** The multicodec of `/p2p`. */
const P2P_CODE = 421

/** `addr` as a string without a trailing `/p2p/<id>` (a relay's `/p2p/…/p2p-circuit` stays). */
function transportKey(addr: Multiaddr): string {
  const components = addr.getComponents()
  return components[components.length - 1]?.code === P2P_CODE
    ? addr.decapsulateCode(P2P_CODE).toString()
    : addr.toString()
}

function dropReason(reason: AddressFilterReason, addr: Multiaddr): DialError {
  return new DialError('DIAL_NO_ADDRESSES', `address dropped (${reason}): ${addr.toString()}`)
}

function isLocalRefusal(err: unknown): boolean {
  if (!SwitchyardError.is(err)) return false
  return err.code === 'DIAL_QUEUE_FULL' || err.code === 'CONNECTION_GATED' || err.code.startsWith('RESOURCE_')
}
