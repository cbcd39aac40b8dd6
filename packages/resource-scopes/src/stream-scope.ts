/**
 * The scope of one stream: constrained by its connection, its peer and the system,
 * and by the transient scope until `setProtocol` moves it into the protocol and
 * protocol-peer scopes; `setService` adds the service and service-peer scopes.
 */

import type {
  Direction,
  MemoryAccount,
  MemoryPriority,
  PeerId,
  StreamResourceScope,
} from '@switchyard/interface'
import type { ScopeRegistry } from './registry.js'
import { ScopeNode } from './scope.js'
import { memoryAccountOf, Span } from './span.js'

/** Implements {@link StreamResourceScope}. Create with `ConnectionScope.openStream`. */
export class StreamScope extends ScopeNode implements StreamResourceScope {
  readonly direction: Direction
  readonly #peer: PeerId
  readonly #registry: ScopeRegistry
  readonly #conn: ScopeNode
  #protocol: string | undefined
  #service: string | undefined

  /**
   * Opens the scope and reserves one stream in `conn`, its peer, transient and system.
   * @throws ResourceLimitError when one of them is full (nothing is held then).
   */
  constructor(conn: ScopeNode, peer: PeerId, direction: Direction, registry: ScopeRegistry) {
    const peerScope = registry.peer(peer)
    super({
      name: `stream-${registry.nextId()}`,
      scopeClass: 'stream',
      limit: registry.streamLimit,
      context: conn.context,
      edges: [conn, peerScope, registry.transient, registry.system],
    })
    this.direction = direction
    this.#peer = peer
    this.#registry = registry
    this.#conn = conn
    try {
      this.reserve(direction === 'inbound' ? { streamsInbound: 1 } : { streamsOutbound: 1 })
    } catch (err) {
      this.done()
      throw err
    }
    conn.adopt(this)
  }

  get protocol(): string | undefined {
    return this.#protocol
  }

  get service(): string | undefined {
    return this.#service
  }

  setProtocol(protocol: string): void {
    if (typeof protocol !== 'string' || protocol === '')
      throw new TypeError('setProtocol: protocol must be a non-empty string')
    if (this.#protocol !== undefined)
      throw new TypeError(`${this.name}: protocol already set to ${this.#protocol}`)
    // Before the registry lookups below: they (re)create shared scopes, which a
    // closed stream would then never release.
    this.assertOpen()
    const r = this.#registry
    const proto = r.protocol(protocol)
    const protoPeer = r.protocolPeer(protocol, this.#peer)
    this.#move([this.#conn, r.peer(this.#peer), proto, protoPeer, r.system], [proto, protoPeer])
    this.#protocol = protocol
  }

  setService(service: string): void {
    if (typeof service !== 'string' || service === '')
      throw new TypeError('setService: service must be a non-empty string')
    if (this.#protocol === undefined) throw new TypeError(`${this.name}: setProtocol before setService`)
    if (this.#service !== undefined)
      throw new TypeError(`${this.name}: service already set to ${this.#service}`)
    this.assertOpen()
    const r = this.#registry
    const svc = r.service(service)
    const svcPeer = r.servicePeer(service, this.#peer)
    this.#move([...this.edges, svc, svcPeer], [svc, svcPeer])
    this.#service = service
  }

  /** Moves to `edges`; on refusal, drops the shared scopes created for the attempt. */
  #move(edges: ScopeNode[], created: ScopeNode[]): void {
    try {
      this.moveTo(edges)
    } catch (err) {
      for (const s of created) this.#registry.release(s)
      throw err
    }
  }

  memoryAccount(priority: MemoryPriority = 'medium'): MemoryAccount {
    return memoryAccountOf(this, priority)
  }

  beginSpan(): Span {
    return new Span(this)
  }

  [Symbol.dispose](): void {
    this.done()
  }
}
