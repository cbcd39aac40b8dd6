/**
 * The simultaneous-open rule (seed 002 "Simultaneous Open"): when two connections join
 * the same pair of peers, both sides keep the one *initiated by the peer with the
 * larger peer id* (compared as byte strings) and close the other. Each side decides
 * alone, with no coordination, and both reach the same answer.
 */
import type { Direction, PeerId } from '@switchyard/interface'
import { comparePeerIds } from '@switchyard/peer-id'

/** The direction (as seen locally) of the connection the rule keeps. */
export function keptDirection(localPeer: PeerId, remotePeer: PeerId): Direction {
  // The larger peer keeps its own outbound connection; the smaller keeps the inbound one,
  // which is the larger peer's outbound connection.
  return comparePeerIds(localPeer, remotePeer) > 0 ? 'outbound' : 'inbound'
}

/**
 * Of two open connections to the same remote peer, the one to keep, or `undefined` to
 * keep both. `existing` is the one already in the pool. Only connections of opposite
 * directions are a simultaneous open; two of the same direction (a forced dial, a
 * replacement of a degraded connection, two dials of explicit addresses) both stay, on
 * both sides: each side sees them with the same direction and decides the same. (The
 * replacement of a degraded connection closes the degraded one itself.)
 */
export function preferredConnection<C extends { readonly direction: Direction }>(
  localPeer: PeerId,
  remotePeer: PeerId,
  existing: C,
  incoming: C,
): C | undefined {
  if (existing.direction === incoming.direction) return undefined
  return existing.direction === keptDirection(localPeer, remotePeer) ? existing : incoming
}
