/**
 * Keep-alive peers and their reconnection (seed 001 §4.3 "Disconnection Handling"):
 * a peer marked keep-alive (a peerstore tag, so a persistent store remembers it) is
 * redialled after its last connection closes, on the strategy of `disconnect.ts` for
 * the reason; after `resource-constraint` it waits until resources are freed. Owns the
 * reconnect timers; `close()` stops them.
 */
import type { AbortOptions, Connection, DisconnectReason, PeerId } from '@switchyard/interface'
import { KEEP_ALIVE_TAG } from './config.js'
import type { ConnectionPool } from './connection-pool.js'
import { reconnectDelayMs, reconnectStrategy } from './disconnect.js'
import type { SwitchContext } from './switch-context.js'

/** Dials a peer (through the pool). */
export type DialPeer = (peer: PeerId, options: AbortOptions & { force?: boolean }) => Promise<Connection>

/** The keep-alive set and the reconnect timers of one switch. */
export class KeepAlive {
  readonly #ctx: SwitchContext
  readonly #pool: ConnectionPool
  readonly #dial: DialPeer
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()
  readonly #attempts = new Map<string, number>()
  /** Keep-alive peers waiting for resources to free up (seed 001 `AfterResourcesAvailable`). */
  readonly #waitingForResources = new Map<string, PeerId>()

  constructor(ctx: SwitchContext, pool: ConnectionPool, dial: DialPeer) {
    this.#ctx = ctx
    this.#pool = pool
    this.#dial = dial
  }

  /** See `Switch.setKeepAlive`. */
  set(peer: PeerId, keepAlive: boolean): void {
    if (keepAlive) this.#ctx.peerstore.tag(peer, KEEP_ALIVE_TAG, { value: 50 })
    else {
      this.#ctx.peerstore.untag(peer, KEEP_ALIVE_TAG)
      this.#cancel(peer.toString())
      this.#waitingForResources.delete(peer.toString())
    }
  }

  has(peer: PeerId): boolean {
    return this.#ctx.peerstore.tags(peer).has(KEEP_ALIVE_TAG)
  }

  /** See `Switch.start`. */
  async start(options: AbortOptions): Promise<void> {
    const ctx = this.#ctx
    const peers = ctx.peerstore.peers().filter((p) => this.has(p))
    await Promise.all(
      peers.map((p) =>
        this.#dial(p, options).then(
          () => {},
          (err: unknown) => {
            ctx.reportError(err)
            this.schedule(p, 'timeout')
          },
        ),
      ),
    )
  }

  /** `peer` is connected: its attempts count resets and a pending reconnect is dropped. */
  connected(peer: PeerId): void {
    const key = peer.toString()
    this.#attempts.delete(key)
    this.#cancel(key)
  }

  /** Schedules a reconnect of `peer` if it is keep-alive, per the strategy for `reason`. */
  schedule(peer: PeerId, reason: DisconnectReason): void {
    const ctx = this.#ctx
    const key = peer.toString()
    if (ctx.closed || !this.#safeHas(peer) || this.#timers.has(key)) return
    const strategy = reconnectStrategy(reason, ctx.config.reconnect)
    if (strategy.kind === 'never') return
    if (strategy.kind === 'when-resources-free') {
      this.#waitingForResources.set(key, peer)
      return
    }
    const attempt = this.#attempts.get(key) ?? 0
    if (attempt >= ctx.config.reconnect.maxAttempts) return
    this.#attempts.set(key, attempt + 1)
    const delay = reconnectDelayMs(strategy, attempt) ?? 0
    const timer = setTimeout(() => {
      this.#timers.delete(key)
      if (ctx.closed || this.#pool.best(peer) !== undefined) return
      this.#dial(peer, { force: true }).catch((err: unknown) => {
        if (ctx.closed) return
        ctx.reportError(err)
        this.schedule(peer, 'timeout')
      })
    }, delay)
    timer.unref?.()
    this.#timers.set(key, timer)
  }

  /** Resources were freed: keep-alive peers that waited for them are reconnected. */
  resourcesFreed(): void {
    if (this.#waitingForResources.size === 0 || this.#ctx.closed) return
    const peers = [...this.#waitingForResources.values()]
    this.#waitingForResources.clear()
    for (const p of peers) this.schedule(p, 'normal')
  }

  /** Stops every reconnect timer and forgets the waiting peers. */
  close(): void {
    for (const key of [...this.#timers.keys()]) this.#cancel(key)
    this.#waitingForResources.clear()
  }

  #cancel(key: string): void {
    const timer = this.#timers.get(key)
    if (timer === undefined) return
    clearTimeout(timer)
    this.#timers.delete(key)
  }

  #safeHas(peer: PeerId): boolean {
    try {
      return this.has(peer)
    } catch {
      return false
    }
  }
}
