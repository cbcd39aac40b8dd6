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
 * Of two open connections to the same remote peer, the one to keep. `existing` is the
 * one already in the pool. Two connections of the same direction (not a simultaneous
 * open: a replacement of a degraded connection, two dials of explicit addresses) keep
 * the newer one, which both sides see as the newer one too (keeping the existing one
 * would let a replacement be closed by the remote while we close the degraded one).
 */
export function preferredConnection<C extends { readonly direction: Direction }>(
  localPeer: PeerId,
  remotePeer: PeerId,
  existing: C,
  incoming: C,
): C {
  if (existing.direction === incoming.direction) return incoming
  return existing.direction === keptDirection(localPeer, remotePeer) ? existing : incoming
}
