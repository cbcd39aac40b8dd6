/**
 * The dial flow (seed 002 "Dial Flow"): 1 pool lookup → 2 addresses (explicit +
 * peerstore) → 3 backoff → 4 gater (peer, then each address) → 5 limits and resource
 * scope → 6 transport by multiaddr → 7 ranked, staggered attempts → 8 upgrade, cancel
 * the rest → 9 pool + `connected`. Steps 2–4 and 6–8 run in `@switchyard/dialer`, with
 * the callbacks wired here; steps 5–6 and 8 of one attempt are `#dialAddress`.
 */
import { isMultiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createDialer, type Dialer } from '@switchyard/dialer'
import {
  type AbortOptions,
  type Connection,
  type ConnectionGater,
  type PeerId,
  type ProtocolLookup,
  type RawConnection,
  type Transport,
  throwIfAborted,
} from '@switchyard/interface'
import { peerIdFromString } from '@switchyard/peer-id'
import type { Upgrader } from '@switchyard/upgrader'
import type { SwitchDialerInit } from './config.js'
import type { ConnectionPool } from './connection-pool.js'
import { SwitchError } from './errors.js'
import { ManagedConnection } from './managed-connection.js'
import { P2P_CODE, type SwitchContext, usesFd } from './switch-context.js'

/** Options of `Switch.dial`. */
export interface SwitchDialOptions extends AbortOptions {
  /**
   * Open a new connection (as js-libp2p's `force`): no reuse of an open connection to the
   * peer, no joining a dial of it in progress, and no dial backoff or black-hole filtering
   * (a user asked explicitly). The new connection is added next to the peer's others (two
   * connections of the same direction both stay; against one of the other direction the
   * simultaneous-open rule still keeps one). Default false.
   */
  force?: boolean
  /** Queue priority when the dial limit is reached. */
  priority?: number
}

/** A dial target: a peer, an address (with or without `/p2p/<id>`), or several addresses of one peer. */
export type SwitchDialTarget = PeerId | Multiaddr | readonly Multiaddr[]

/** What the dial flow is composed of. */
export interface DialFlowInit {
  readonly transports: readonly Transport[]
  readonly gater: ConnectionGater
  readonly upgrader: Upgrader
  readonly dialer: SwitchDialerInit | undefined
  /** The inbound-stream lookup of one connection (see `StreamFlow.lookupFor`). */
  readonly lookupFor: (record: ManagedConnection) => ProtocolLookup
  /** Our listen addresses (the dialer skips dialling ourselves). */
  readonly listenAddrs: () => Multiaddr[]
}

/** Outbound connections of one switch. */
export class DialFlow {
  readonly #ctx: SwitchContext
  readonly #pool: ConnectionPool
  readonly #init: DialFlowInit
  readonly #dialer: Dialer<Connection>
  /** Outbound attempts between the transport dial and the end of the upgrade. */
  #pending = 0
  readonly #peerIds = new PeerIdCache()

  constructor(ctx: SwitchContext, pool: ConnectionPool, init: DialFlowInit) {
    this.#ctx = ctx
    this.#pool = pool
    this.#init = init
    const peerstore = ctx.peerstore
    this.#dialer = createDialer<Connection>({
      ...init.dialer,
      localPeer: ctx.peerId,
      gater: init.gater,
      dialAddress: (addr, { signal, peer }) => this.#dialAddress(addr, signal, peer),
      closeConnection: (conn) => conn.abort(new SwitchError('SWITCH_CLOSED', 'lost the dial race')),
      existingConnection: (peer) => pool.best(peer, false)?.conn,
      addressesOf: (peer) => peerstore.addrs(peer),
      recordDial: (peer, addr, outcome) => peerstore.recordDial(peer, addr, outcome),
      canDial: (addr) => init.transports.some((t) => t.canDial(addr)),
      listenAddresses: init.listenAddrs,
    })
  }

  /** See `Switch.dial`. */
  async dial(target: SwitchDialTarget, options: SwitchDialOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    this.#ctx.checkOpen()
    const { peer, addrs } = parseTarget(target, this.#peerIds)
    const force = options.force === true
    // Step 1: reuse (seed 002 "Connection Reuse"), unless a new connection is asked for.
    if (peer !== undefined && !force) {
      const existing = this.#pool.best(peer)
      if (existing !== undefined) return existing.conn!
    }
    // Step 5 (limits; the resource scope is opened per attempt in #dialAddress).
    const c = this.#ctx.config
    const { outbound, total } = this.#pool.counts()
    if (outbound + this.#pending >= c.maxOutboundConnections || total >= c.maxConnections) {
      throw new SwitchError('SWITCH_CONNECTION_LIMIT', `${total} connections (${outbound} outbound) are open`)
    }
    const conn = await this.#dialer.dial(
      { peer, addrs },
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(force ? { force: true, newConnection: true } : {}),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      },
    )
    const record = this.#pool.get(conn)
    if (record === undefined) return conn
    // Step 9 (callers that joined a deduplicated dial adopt the same record once).
    const kept = this.#pool.adopt(record)
    // A forced dial returns its own connection unless the simultaneous-open rule closed it.
    return (force && record.usable ? record : kept).conn!
  }

  /** Dials `peer` straight through the dialer, ignoring the pool and backoff (replacing a degraded connection). */
  dialFresh(peer: PeerId): Promise<Connection> {
    return this.#dialer.dial({ peer }, { force: true })
  }

  /** Cancels the dials in progress and refuses new ones. */
  close(): void {
    this.#dialer.close()
  }

  /** One address attempt, for the dialer: resource scope → transport dial → outbound upgrade (steps 5–8). */
  async #dialAddress(addr: Multiaddr, signal: AbortSignal, peer: PeerId | undefined): Promise<Connection> {
    const ctx = this.#ctx
    ctx.checkOpen()
    const transport = this.#init.transports.find((t) => t.canDial(addr))
    if (transport === undefined)
      throw new SwitchError('SWITCH_NO_TRANSPORT', `no transport can dial ${addr.toString()}`)
    const scope = ctx.resourceManager.openConnection('outbound', addr, { useFd: usesFd(transport) })
    // `signal` is the dialer's per-attempt signal. It also covers the shutdown: the switch
    // closes the dialer (`close()` below) before anything else, which aborts every attempt,
    // so no per-dial link to the shutdown signal is needed (two AbortSignals less per dial).
    const record = new ManagedConnection(ctx.now())
    this.#pending++
    try {
      let raw: RawConnection
      try {
        raw = await transport.dial(addr, { signal })
      } catch (err) {
        scope.done()
        throw err
      }
      const conn = await this.#init.upgrader.upgradeOutbound(raw, {
        scope,
        protocols: this.#init.lookupFor(record),
        signal,
        ...(peer === undefined ? {} : { remotePeer: peer }),
      })
      this.#pool.track(record, conn)
      return conn
    } finally {
      this.#pending--
    }
  }
}

/** True for a `PeerId` (not a multiaddr). */
export function isPeerId(x: unknown): boolean {
  return (
    !isMultiaddr(x) &&
    typeof x === 'object' &&
    x !== null &&
    (x as PeerId).bytes instanceof Uint8Array &&
    typeof (x as PeerId).equals === 'function'
  )
}

/**
 * Splits a dial target into a peer and explicit addresses (`/p2p/<id>` names the peer).
 * `peerIds`, if given, caches the ids parsed from strings.
 */
export function parseTarget(
  target: SwitchDialTarget,
  peerIds?: PeerIdCache,
): { peer: PeerId | undefined; addrs: Multiaddr[] } {
  if (Array.isArray(target)) {
    const addrs = target as Multiaddr[]
    return { peer: addrs.map((a) => peerOfAddr(a, peerIds)).find((p) => p !== undefined), addrs }
  }
  if (isPeerId(target)) return { peer: target as PeerId, addrs: [] }
  const addr = target as Multiaddr
  if (typeof addr?.getComponents !== 'function')
    throw new TypeError('dial target must be a PeerId or a Multiaddr')
  return { peer: peerOfAddr(addr, peerIds), addrs: [addr] }
}

function peerOfAddr(addr: Multiaddr, peerIds: PeerIdCache | undefined): PeerId | undefined {
  const p2p = addr.getComponents().findLast((c) => c.code === P2P_CODE)
  if (p2p?.value === undefined) return undefined
  return peerIds === undefined ? peerIdFromString(p2p.value) : peerIds.get(p2p.value)
}

/** Peer ids most recently parsed from strings. */
const PEER_ID_CACHE_SIZE = 64

/**
 * The peer ids of the last few `/p2p/<id>` strings dialled. A `PeerId` caches its own
 * string form; one parsed afresh per dial decodes base58 and, at the pool lookup, encodes
 * it again (~30 µs per dial together). Bounded: the oldest entry leaves first.
 */
export class PeerIdCache {
  readonly #ids = new Map<string, PeerId>()

  /** The id of `s` (parsed once; a malformed one throws, as `peerIdFromString`). */
  get(s: string): PeerId {
    let id = this.#ids.get(s)
    if (id !== undefined) return id
    id = peerIdFromString(s)
    if (this.#ids.size >= PEER_ID_CACHE_SIZE) this.#ids.delete(this.#ids.keys().next().value as string)
    this.#ids.set(s, id)
    return id
  }
}
