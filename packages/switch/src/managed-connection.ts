/**
 * The switch's bookkeeping of one connection: its `ConnInfo`, its per-connection
 * protocol set, per-protocol stream counts, activity and health measures, and why it
 * closed. Created before the upgrade (so inbound streams that arrive during it find
 * their handlers), filled in when the upgrade returns.
 */
import type { Connection, Direction, DisconnectReason, PeerId } from '@switchyard/interface'
import type { ConnInfo, StreamInfo } from './events.js'
import {
  type HealthInit,
  type HealthSample,
  healthScore,
  smoothThroughput,
  throughputSample,
} from './health.js'

/** One connection as the switch tracks it. */
export class ManagedConnection {
  #conn: Connection | undefined
  #info: ConnInfo | undefined
  /** In the pool and announced with `connected`. */
  added = false
  /** Why we closed it, when we did (otherwise derived from its error). */
  closeReason: DisconnectReason | undefined
  /** Marked for replacement by maintenance (health `critical`): a new connection wins over it. */
  degraded = false
  /** Protocols offered on this connection; `undefined` = every registered one (seed 000). */
  offered: Set<string> | undefined
  openedAt: number
  // Idle memory: the other times are kept as whole-ms offsets from `openedAt`. With the
  // default clock (`Date.now`, ~1.7e12) each absolute time would need a 16-byte number
  // box per field per connection; an offset stays a small integer in the object.
  #activityOffset = 0
  #pingOffset = 0
  /** A maintenance ping is in flight. */
  pinging = false
  successes = 0
  failures = 0
  latencyMs: number | undefined
  /** Smoothed throughput of busy maintenance intervals, bytes/s (`undefined` before one). */
  bytesPerSecond: number | undefined
  /** Byte counters (read + written) and time at the last bandwidth sample. */
  #sampledBytes: number | undefined
  #sampledOffset = 0
  // Idle memory: the per-stream tables below are made on first access (an empty Map
  // or Set costs ~150 B, and most connections of a busy listener are idle).
  #inbound: Map<string, number> | undefined
  #outbound: Map<string, number> | undefined
  #learntProtocols: Set<string> | undefined
  #streams: Map<string, StreamInfo> | undefined
  /** Inbound streams negotiated before the connection was announced, dispatched right after. */
  pending: Array<() => void> = NO_PENDING

  constructor(now: number) {
    this.openedAt = now
  }

  /** When a stream last opened on it, or a ping answered (ms, the switch's clock). */
  get lastActivityAt(): number {
    return this.openedAt + this.#activityOffset
  }
  set lastActivityAt(at: number) {
    this.#activityOffset = at - this.openedAt
  }

  /** When the last maintenance ping answered (ms); `openedAt` before one did. */
  get lastPingAt(): number {
    return this.openedAt + this.#pingOffset
  }
  set lastPingAt(at: number) {
    this.#pingOffset = at - this.openedAt
  }

  /** The inbound streams waiting for the announcement; the list is empty afterwards. */
  takePending(): Array<() => void> {
    const pending = this.pending
    this.pending = NO_PENDING
    return pending
  }

  get conn(): Connection | undefined {
    return this.#conn
  }

  get info(): ConnInfo | undefined {
    return this.#info
  }

  /** Inbound streams open, by registered protocol (made on first access). */
  get inbound(): Map<string, number> {
    return (this.#inbound ??= new Map())
  }

  /** Outbound streams open, by registered protocol (made on first access). */
  get outbound(): Map<string, number> {
    return (this.#outbound ??= new Map())
  }

  /** Protocols of this connection's outbound streams already recorded in the peerstore (made on first access). */
  get learntProtocols(): Set<string> {
    return (this.#learntProtocols ??= new Set())
  }

  /** Streams announced with `stream:opened` and not yet closed (made on first access). */
  get streams(): Map<string, StreamInfo> {
    return (this.#streams ??= new Map())
  }

  /** How many streams are announced and not yet closed, without making the table. */
  get streamCount(): number {
    return this.#streams?.size ?? 0
  }

  get direction(): Direction {
    return this.#conn!.direction
  }

  get remotePeer(): PeerId {
    return this.#conn!.remotePeer
  }

  /** Sets the upgraded connection (once). */
  attach(conn: Connection): void {
    if (this.#conn !== undefined) return
    this.#conn = conn
    this.#info = {
      id: conn.id,
      remotePeer: conn.remotePeer,
      direction: conn.direction,
      remoteAddr: conn.remoteAddr,
      localAddr: conn.localAddr,
      security: conn.security,
      muxer: conn.muxer,
    }
  }

  /** Open and usable for new streams. */
  get usable(): boolean {
    return this.added && this.closeReason === undefined && this.#conn?.state === 'open'
  }

  count(map: Map<string, number>, protocol: string): number {
    return map.get(protocol) ?? 0
  }

  increment(map: Map<string, number>, protocol: string): void {
    map.set(protocol, (map.get(protocol) ?? 0) + 1)
  }

  decrement(map: Map<string, number>, protocol: string): void {
    const n = (map.get(protocol) ?? 0) - 1
    if (n <= 0) map.delete(protocol)
    else map.set(protocol, n)
  }

  /** Records a round trip (EWMA, alpha 0.2) and counts it as a success. */
  recordPing(rttMs: number, now: number): void {
    this.latencyMs = this.latencyMs === undefined ? rttMs : this.latencyMs * 0.8 + rttMs * 0.2
    this.successes++
    this.lastPingAt = now
    this.lastActivityAt = Math.max(this.lastActivityAt, now)
  }

  /** Bytes the connection moved so far (both directions), or `undefined` if its transport does not count. */
  get totalBytes(): number | undefined {
    const conn = this.#conn
    if (conn?.bytesRead === undefined || conn.bytesWritten === undefined) return undefined
    return conn.bytesRead + conn.bytesWritten
  }

  /**
   * Reads the byte counters at a maintenance tick (seed 001 §4.2 `measure_bandwidth`): two
   * counter reads, nothing on the data path. The first call only sets the baseline.
   */
  sampleBandwidth(now: number, init: HealthInit): void {
    const total = this.totalBytes
    if (total === undefined) return
    if (this.#sampledBytes !== undefined) {
      const sample = throughputSample(
        total - this.#sampledBytes,
        now - (this.openedAt + this.#sampledOffset),
        init,
      )
      this.bytesPerSecond = smoothThroughput(this.bytesPerSecond, sample)
    }
    this.#sampledBytes = total
    this.#sampledOffset = now - this.openedAt
  }

  healthSample(): HealthSample {
    return {
      latencyMs: this.latencyMs,
      successes: this.successes,
      failures: this.failures,
      bytesPerSecond: this.bytesPerSecond,
    }
  }

  healthScore(init: HealthInit): number {
    return healthScore(this.healthSample(), init)
  }
}

/** The `pending` list of a connection with none: shared, never written (replaced on first use). */
const NO_PENDING: Array<() => void> = []
