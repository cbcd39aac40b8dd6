/**
 * What connection and stream scopes need from their manager: the shared scopes they
 * attach to, created on demand and dropped when unused.
 */

import type { PeerId } from '@switchyard/interface'
import type { ScopeNode } from './scope.js'

/** The shared scopes of one manager. */
export interface ScopeRegistry {
  readonly system: ScopeNode
  readonly transient: ScopeNode
  readonly allowlistedSystem: ScopeNode
  readonly allowlistedTransient: ScopeNode
  peer(peer: PeerId): ScopeNode
  protocol(protocol: string): ScopeNode
  protocolPeer(protocol: string, peer: PeerId): ScopeNode
  service(service: string): ScopeNode
  servicePeer(service: string, peer: PeerId): ScopeNode
  /** Drops a shared scope that ended up unused (after a refused attachment). */
  release(scope: ScopeNode): void
  /** The limits of new connection / stream scopes. */
  readonly connLimit: ScopeNode['limit']
  readonly streamLimit: ScopeNode['limit']
  /** A fresh id for naming scopes. */
  nextId(): number
}
