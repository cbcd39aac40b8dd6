/**
 * The scope of one connection. It opens in the transient scope (or the allowlisted
 * transient scope), holding one connection and, for sockets, one file descriptor;
 * `setPeer` moves it into its peer's scope after the security handshake. Its streams
 * and spans close with it.
 */

import type {
  ConnectionResourceScope,
  Direction,
  MemoryAccount,
  MemoryPriority,
  PeerId,
} from '@switchyard/interface'
import type { ScopeRegistry } from './registry.js'
import { ScopeNode } from './scope.js'
import { memoryAccountOf, Span } from './span.js'
import { StreamScope } from './stream-scope.js'

/** Options of a {@link ConnectionScope}. */
export interface ConnectionScopeInit {
  readonly direction: Direction
  readonly useFd: boolean
  /** True when the remote address is on the allowlist. */
  readonly allowlisted: boolean
  /** Whether the connection stays allowlisted once its peer is known. */
  readonly stillAllowlisted: (peer: PeerId) => boolean
  /**
   * Run once when the scope closes (the manager releases the subnet count);
   * `opened` is false when the constructor refused the connection.
   */
  readonly onDone: (opened: boolean) => void
}

/** Implements {@link ConnectionResourceScope}. Create with `ScopedResourceManager.openConnection`. */
export class ConnectionScope extends ScopeNode implements ConnectionResourceScope {
  readonly direction: Direction
  readonly #registry: ScopeRegistry
  // Only what outlives the constructor is kept (one scope per connection: memory per
  // idle connection counts). `#stillAllowlisted` goes once the peer is set.
  readonly #allowlisted: boolean
  #stillAllowlisted: ((peer: PeerId) => boolean) | undefined
  readonly #onDone: (opened: boolean) => void
  #opened = false
  #peer: PeerId | undefined

  /**
   * Opens the scope and reserves the connection (and fd).
   * @throws ResourceLimitError when transient or system is full (nothing is held then).
   */
  constructor(registry: ScopeRegistry, init: ConnectionScopeInit) {
    super({
      name: `conn-${registry.nextId()}`,
      scopeClass: 'conn',
      limit: registry.connLimit,
      context: registry.system.context,
      edges: init.allowlisted
        ? [registry.allowlistedTransient, registry.allowlistedSystem]
        : [registry.transient, registry.system],
    })
    this.direction = init.direction
    this.#registry = registry
    this.#allowlisted = init.allowlisted
    this.#stillAllowlisted = init.allowlisted ? init.stillAllowlisted : undefined
    this.#onDone = init.onDone
    try {
      this.reserve({
        ...(init.direction === 'inbound' ? { connsInbound: 1 } : { connsOutbound: 1 }),
        fd: init.useFd ? 1 : 0,
      })
      this.#opened = true
    } catch (err) {
      this.done()
      throw err
    }
  }

  get peer(): PeerId | undefined {
    return this.#peer
  }

  setPeer(peer: PeerId): void {
    if (peer === undefined || peer === null || typeof peer.toString !== 'function') {
      throw new TypeError('setPeer: peer must be a PeerId')
    }
    if (this.#peer !== undefined)
      throw new TypeError(`${this.name}: peer already set to ${this.#peer.toString()}`)
    const r = this.#registry
    const peerScope = r.peer(peer)
    // An allowlist entry restricted to another peer does not cover this connection:
    // it leaves the allowlisted scopes (go-libp2p rcmgr does the same on SetPeer).
    const system =
      this.#allowlisted && this.#stillAllowlisted?.(peer) === true ? r.allowlistedSystem : r.system
    try {
      this.moveTo([peerScope, system])
    } catch (err) {
      r.release(peerScope)
      throw err
    }
    this.#peer = peer
    this.#stillAllowlisted = undefined
  }

  openStream(direction: Direction): StreamScope {
    if (direction !== 'inbound' && direction !== 'outbound') {
      throw new TypeError(`openStream: direction must be 'inbound' or 'outbound' (got ${String(direction)})`)
    }
    this.assertOpen()
    if (this.#peer === undefined) throw new TypeError(`${this.name}: setPeer before openStream`)
    return new StreamScope(this, this.#peer, direction, this.#registry)
  }

  memoryAccount(priority: MemoryPriority = 'medium'): MemoryAccount {
    return memoryAccountOf(this, priority)
  }

  beginSpan(): Span {
    return new Span(this)
  }

  protected override onDone(): void {
    this.#onDone(this.#opened)
  }

  [Symbol.dispose](): void {
    this.done()
  }
}
