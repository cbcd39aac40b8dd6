/**
 * The listen flow (seed 002 "Listen Flow"): 1 transport by multiaddr → 2 bind →
 * 3 accept → 4 gater (accept) → 5 limits (seed 001 §4.1: `maxPendingInbound`,
 * `maxInboundConnections`, `maxConnections` — where the least valuable connection is
 * pruned first) and resource scope → 6 upgrade as responder (secured and upgraded
 * gates run in the upgrader) → 7 duplicate check (simultaneous-open rule) → 8 pool +
 * `connected`, inbound streams dispatched. Owns the listeners; `close()` closes them.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  type ConnectionGater,
  type ConnectionResourceScope,
  type Listener,
  type ProtocolLookup,
  type RawConnection,
  type Transport,
  throwIfAborted,
} from '@switchyard/interface'
import type { Upgrader } from '@switchyard/upgrader'
import type { ConnectionManager } from './connection-manager.js'
import type { ConnectionPool } from './connection-pool.js'
import { SwitchError } from './errors.js'
import { ManagedConnection } from './managed-connection.js'
import { type SwitchContext, usesFd } from './switch-context.js'

/** What the listen flow is composed of. */
export interface ListenFlowInit {
  readonly transports: readonly Transport[]
  readonly gater: ConnectionGater
  readonly upgrader: Upgrader
  /** The inbound-stream lookup of one connection (see `StreamFlow.lookupFor`). */
  readonly lookupFor: (record: ManagedConnection) => ProtocolLookup
}

/** Listeners and inbound connections of one switch. */
export class ListenFlow {
  readonly #ctx: SwitchContext
  readonly #pool: ConnectionPool
  readonly #manager: ConnectionManager
  readonly #init: ListenFlowInit
  readonly #listeners = new Set<Listener>()
  /** Inbound connections accepted and still upgrading. */
  #pending = 0

  constructor(ctx: SwitchContext, pool: ConnectionPool, manager: ConnectionManager, init: ListenFlowInit) {
    this.#ctx = ctx
    this.#pool = pool
    this.#manager = manager
    this.#init = init
  }

  /** The addresses we listen on (ports resolved). */
  get addrs(): Multiaddr[] {
    return [...this.#listeners].map((l) => l.addr)
  }

  /** See `Switch.listen` (steps 1–3). */
  async listen(
    addrs: string | Multiaddr | readonly (string | Multiaddr)[],
    options: AbortOptions,
  ): Promise<Multiaddr[]> {
    const ctx = this.#ctx
    throwIfAborted(options.signal)
    ctx.checkOpen()
    const list = (Array.isArray(addrs) ? addrs : [addrs]).map((a) =>
      typeof a === 'string' ? multiaddr(a) : a,
    )
    const bound: Multiaddr[] = []
    for (const addr of list) {
      // Step 1: the transport for the address.
      const transport = this.#init.transports.find((t) => t.canListen(addr))
      if (transport === undefined) {
        throw new SwitchError('SWITCH_NO_TRANSPORT', `no transport can listen on ${addr.toString()}`)
      }
      // Steps 2–3: bind; the transport runs the accept loop and calls back per connection.
      let listener: Listener | undefined
      listener = await transport.listen(
        addr,
        {
          onConnection: (raw) => this.#onInbound(raw, transport),
          onError: (err) => {
            if (listener !== undefined && this.#listeners.delete(listener)) {
              ctx.events.emit({ type: 'listen:close', addr: listener.addr, error: err })
            }
          },
        },
        options,
      )
      if (ctx.closed) {
        await listener.close()
        throw new SwitchError('SWITCH_CLOSED', 'the switch was closed')
      }
      this.#listeners.add(listener)
      bound.push(listener.addr)
      ctx.events.emit({ type: 'listen', addr: listener.addr })
    }
    return bound
  }

  /** See `Switch.unlisten`. */
  async unlisten(addr: Multiaddr, options: AbortOptions): Promise<void> {
    throwIfAborted(options.signal)
    for (const l of this.#listeners) {
      if (l.addr.equals(addr)) await this.#closeListener(l)
    }
  }

  /** Closes every listener (`listen:close` for each). */
  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((l) => this.#closeListener(l)))
  }

  async #closeListener(listener: Listener): Promise<void> {
    if (!this.#listeners.delete(listener)) return
    let error: Error | undefined
    try {
      await listener.close()
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err))
    }
    this.#ctx.events.emit({ type: 'listen:close', addr: listener.addr, error })
  }

  /** One accepted raw connection (steps 4–8). The switch owns it from here. */
  #onInbound(raw: RawConnection, transport: Transport): void {
    const ctx = this.#ctx
    if (ctx.closed) {
      raw.destroy(new SwitchError('SWITCH_CLOSED', 'the switch is closed'))
      return
    }
    // Step 4: the accept gate (only the addresses are known).
    const verdict = this.#init.gater.interceptAccept?.({
      remoteAddr: raw.remoteAddr,
      localAddr: raw.localAddr,
    })
    if (verdict !== undefined && !verdict.allow) {
      raw.destroy()
      return
    }
    // Step 5: connection limits (seed 001 §4.1), then the resource scope.
    const refusal = this.#refusal()
    if (refusal !== undefined) {
      raw.destroy(refusal)
      return
    }
    let scope: ConnectionResourceScope
    try {
      scope = ctx.resourceManager.openConnection('inbound', raw.remoteAddr, { useFd: usesFd(transport) })
    } catch (err) {
      raw.destroy(err instanceof Error ? err : undefined)
      return
    }
    // Step 6: upgrade as the responder; steps 7–8 in the pool's adopt.
    const record = new ManagedConnection(ctx.now())
    this.#pending++
    // A signal per upgrade, not the shutdown signal itself: up to `maxPendingInbound`
    // upgrades run at once, and each would add a listener to it.
    const { signal, done } = ctx.linkedSignal()
    this.#init.upgrader.upgradeInbound(raw, { scope, protocols: this.#init.lookupFor(record), signal }).then(
      (conn) => {
        done()
        this.#pending--
        this.#pool.track(record, conn)
        this.#pool.adopt(record)
      },
      (err: unknown) => {
        done()
        this.#pending--
        // A failed upgrade has released the raw connection and the scope; nobody waits for it.
        if (!ctx.closed) ctx.reportError(err)
      },
    )
  }

  /** Why a new inbound connection must be refused now, if it must. */
  #refusal(): SwitchError | undefined {
    const c = this.#ctx.config
    if (this.#pending >= c.maxPendingInbound) {
      return new SwitchError('SWITCH_TOO_MANY_PENDING', `${this.#pending} inbound connections are upgrading`)
    }
    const { inbound, total } = this.#pool.counts()
    if (inbound >= c.maxInboundConnections) {
      return new SwitchError('SWITCH_CONNECTION_LIMIT', `${inbound} inbound connections are open`)
    }
    // Seed 002 "Connection Pruning": close the least valuable connection before accepting.
    if (total >= c.maxConnections && !this.#manager.makeRoom()) {
      return new SwitchError('SWITCH_CONNECTION_LIMIT', `${total} connections are open`)
    }
    return undefined
  }
}
