/**
 * `SwitchInit`: what a switch is composed of (transports, security, muxers, upgrader,
 * resource scopes, gater, peerstore) and the numbers of its connection manager, with
 * their defaults in one place and their validation.
 */

import type { DialerInit } from '@switchyard/dialer'
import type {
  ConnectionGater,
  PeerId,
  Peerstore,
  ResourceManager,
  SecurityProtocol,
  StreamMuxerFactory,
  Transport,
} from '@switchyard/interface'
import type { Upgrader } from '@switchyard/upgrader'
import { type ReconnectPolicy, reconnectDefaults } from './disconnect.js'
import { type HealthInit, validateHealthInit } from './health.js'

/** The dialer numbers a switch passes through (see `@switchyard/dialer`'s `DialerInit`). */
export type SwitchDialerInit = Pick<
  DialerInit<unknown>,
  | 'maxParallelDials'
  | 'maxParallelDialsPerPeer'
  | 'maxDialQueueLength'
  | 'dialTimeoutMs'
  | 'addressTimeoutMs'
  | 'rank'
  | 'backoff'
  | 'blackHole'
  | 'clock'
>

/** Options of `createSwitch`. */
export interface SwitchInit {
  /** Our peer id. */
  peerId: PeerId
  /** Transports, chosen per address by `canDial` / `canListen` (first match wins). At least one. */
  transports: readonly Transport[]
  /** Security protocols in preference order (`createNoise(...)`). Needed unless `upgrader` is given. */
  security?: readonly SecurityProtocol[]
  /** Muxers in preference order (`createYamux()`). Needed unless `upgrader` is given. */
  muxers?: readonly StreamMuxerFactory[]
  /** A ready upgrader; default: one built from `security`, `muxers`, `gater` and `handshakeTimeoutMs`. */
  upgrader?: Upgrader
  /** Resource accounting. Default: `createResourceManager()` of `@switchyard/resource-scopes`. */
  resourceManager?: ResourceManager
  /** Admission policy. Default: allow all. */
  gater?: ConnectionGater
  /** Peer metadata. Default: a `@switchyard/peerstore-memory` store the switch owns (and closes). */
  peerstore?: Peerstore
  /** Dialer settings. */
  dialer?: SwitchDialerInit

  /** Open connections at most (both directions); an inbound one beyond prunes one first, or is refused. Default 300. */
  maxConnections?: number
  /** Open inbound connections at most. Default: `maxConnections`. */
  maxInboundConnections?: number
  /** Open outbound connections at most. Default: `maxConnections`. */
  maxOutboundConnections?: number
  /** Inbound connections still upgrading at most; more are closed at once. Default 64. */
  maxPendingInbound?: number
  /** A connection's upgrade (security + muxer) must finish within this, ms. Default 10 000. */
  handshakeTimeoutMs?: number
  /**
   * Prune when more connections than this are open (seed 002 "Connection Pruning").
   * Default: the resource manager's high watermark if it has one, else 90 % of `maxConnections`.
   */
  highWater?: number
  /** Prune down to this many. Default: the resource manager's low watermark, else 80 % of `maxConnections`. */
  lowWater?: number
  /** New connections are not pruned before this age, ms. Default 20 000 (go-libp2p connmgr). */
  gracePeriodMs?: number
  /** A graceful goodbye (GoAway, drain) is cut short after this, ms. Default 5 000. */
  goodbyeTimeoutMs?: number

  /** Ping every connection this often, ms (0 = never). Default 0. */
  pingIntervalMs?: number
  /** Close a connection with no successful ping or stream for this long, reason `timeout`, ms (0 = never). Default 0. */
  inactivityTimeoutMs?: number
  /** How often maintenance (pings, inactivity, health, pruning) runs, ms. Default 10 000. */
  maintenanceIntervalMs?: number
  /** Replace a connection whose health is `critical` when another can be dialled. Default true. */
  replaceDegraded?: boolean
  /** Health score curves. */
  health?: HealthInit
  /**
   * Measures a connection's round-trip time (the ping protocol). Needed for
   * `pingIntervalMs`; `@switchyard/ping` provides it, e.g.
   * `async (c, o) => { const s = await c.newStream(PING_PROTOCOL, o); ... }`.
   */
  ping?: (
    conn: import('@switchyard/interface').Connection,
    options: { signal: AbortSignal },
  ) => Promise<number>
  /** Reconnect policy of keep-alive peers (seed 001 §4.3). */
  reconnect?: Partial<ReconnectPolicy>
  /** Time in ms, for age and activity. Default `Date.now`. */
  now?: () => number
  /** Errors that have no caller to go to (a listener that threw, a failed background reconnect). */
  onError?: (err: unknown) => void
}

/** The defaults of `SwitchInit`. */
export const switchDefaults = {
  maxConnections: 300,
  maxPendingInbound: 64,
  handshakeTimeoutMs: 10_000,
  gracePeriodMs: 20_000,
  goodbyeTimeoutMs: 5_000,
  pingIntervalMs: 0,
  inactivityTimeoutMs: 0,
  maintenanceIntervalMs: 10_000,
  replaceDegraded: true,
} as const

/** The tag that marks a peer keep-alive in the peerstore (js-libp2p uses the same name). */
export const KEEP_ALIVE_TAG = 'keep-alive'

/** The validated numbers of a switch. */
export interface SwitchConfig {
  readonly maxConnections: number
  readonly maxInboundConnections: number
  readonly maxOutboundConnections: number
  readonly maxPendingInbound: number
  readonly handshakeTimeoutMs: number
  readonly highWater: number | undefined
  readonly lowWater: number | undefined
  readonly gracePeriodMs: number
  readonly goodbyeTimeoutMs: number
  readonly pingIntervalMs: number
  readonly inactivityTimeoutMs: number
  readonly maintenanceIntervalMs: number
  readonly replaceDegraded: boolean
  readonly reconnect: ReconnectPolicy
  /** Health score curves and the bandwidth sampling threshold. */
  readonly health: HealthInit
}

function count(name: string, v: number, min = 0): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`SwitchInit.${name} must be an integer >= ${min}`)
  return v
}

function ms(name: string, v: number, allowZero: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0) || v > 0x7fffffff) {
    throw new RangeError(`SwitchInit.${name} must be a number of ms in ${allowZero ? '[0' : '(0'}, 2^31)`)
  }
  return v
}

/** Validates `init` (TypeError / RangeError at the boundary) and fills in the defaults. */
export function validateInit(init: SwitchInit): SwitchConfig {
  if (init === null || typeof init !== 'object') throw new TypeError('SwitchInit is required')
  if (init.peerId === undefined || !(init.peerId.bytes instanceof Uint8Array)) {
    throw new TypeError('SwitchInit.peerId is required')
  }
  if (!Array.isArray(init.transports) || init.transports.length === 0) {
    throw new TypeError('SwitchInit.transports needs at least one transport')
  }
  if (init.upgrader === undefined) {
    if (!Array.isArray(init.security) || init.security.length === 0) {
      throw new TypeError('SwitchInit.security needs at least one security protocol (or give an upgrader)')
    }
    if (!Array.isArray(init.muxers) || init.muxers.length === 0) {
      throw new TypeError('SwitchInit.muxers needs at least one muxer (or give an upgrader)')
    }
  }
  const maxConnections = count('maxConnections', init.maxConnections ?? switchDefaults.maxConnections, 1)
  const highWater = init.highWater === undefined ? undefined : count('highWater', init.highWater)
  const lowWater = init.lowWater === undefined ? undefined : count('lowWater', init.lowWater)
  if (highWater !== undefined && lowWater !== undefined && lowWater > highWater) {
    throw new RangeError('SwitchInit.lowWater must not exceed highWater')
  }
  const pingIntervalMs = ms('pingIntervalMs', init.pingIntervalMs ?? switchDefaults.pingIntervalMs, true)
  if (pingIntervalMs > 0 && typeof init.ping !== 'function') {
    throw new TypeError('SwitchInit.pingIntervalMs needs SwitchInit.ping')
  }
  const r = init.reconnect ?? {}
  return {
    maxConnections,
    maxInboundConnections: count('maxInboundConnections', init.maxInboundConnections ?? maxConnections),
    maxOutboundConnections: count('maxOutboundConnections', init.maxOutboundConnections ?? maxConnections),
    maxPendingInbound: count('maxPendingInbound', init.maxPendingInbound ?? switchDefaults.maxPendingInbound),
    handshakeTimeoutMs: ms(
      'handshakeTimeoutMs',
      init.handshakeTimeoutMs ?? switchDefaults.handshakeTimeoutMs,
      false,
    ),
    highWater,
    lowWater,
    gracePeriodMs: ms('gracePeriodMs', init.gracePeriodMs ?? switchDefaults.gracePeriodMs, true),
    goodbyeTimeoutMs: ms('goodbyeTimeoutMs', init.goodbyeTimeoutMs ?? switchDefaults.goodbyeTimeoutMs, false),
    pingIntervalMs,
    inactivityTimeoutMs: ms(
      'inactivityTimeoutMs',
      init.inactivityTimeoutMs ?? switchDefaults.inactivityTimeoutMs,
      true,
    ),
    maintenanceIntervalMs: ms(
      'maintenanceIntervalMs',
      init.maintenanceIntervalMs ?? switchDefaults.maintenanceIntervalMs,
      false,
    ),
    replaceDegraded: init.replaceDegraded ?? switchDefaults.replaceDegraded,
    reconnect: {
      timeoutBackoff: r.timeoutBackoff ?? reconnectDefaults.timeoutBackoff,
      violationBackoff: r.violationBackoff ?? reconnectDefaults.violationBackoff,
      maxAttempts: count('reconnect.maxAttempts', r.maxAttempts ?? reconnectDefaults.maxAttempts),
    },
    health: validateHealthInit({ ...init.health }),
  }
}
