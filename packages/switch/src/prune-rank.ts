/**
 * Which connections to close when there are too many (seed 002 "Connection Pruning";
 * go-libp2p connmgr). A pure function, so the policy is table-tested on its own.
 *
 * Most expendable first, by these keys in order:
 * 1. redundancy: extra connections to a peer that has a better one go first;
 * 2. importance: lower tag value (sum of the peer's tags) first;
 * 3. stream activity: idle (no open stream) first, then fewer streams;
 * 4. direction: inbound before outbound;
 * 5. age: least recently active first (LRU), then the older connection;
 * 6. the id, so the order is total and stable.
 * Protected connections and connections younger than the grace period are never chosen.
 */
import type { Direction } from '@switchyard/interface'

/** What the ranking knows about one connection. */
export interface PruneCandidate {
  readonly id: string
  /** The remote peer (string form), to find redundant connections. */
  readonly peer: string
  readonly direction: Direction
  /** When the connection opened (ms). */
  readonly openedAt: number
  /** When a stream last opened on it (ms); `openedAt` if none did. */
  readonly lastActivityAt: number
  /** Streams open right now. */
  readonly streams: number
  /** The importance of the peer: the sum of its tag values. */
  readonly tagValue: number
  /** Protected by `protect()`: never pruned. */
  readonly protected: boolean
}

/** Options of {@link rankForPruning}. */
export interface PruneRankOptions {
  /** The current time, ms. */
  readonly now: number
  /** Connections younger than this are not pruned, ms. */
  readonly gracePeriodMs: number
}

/** The pruneable candidates, most expendable first (see the module comment). */
export function rankForPruning(
  candidates: readonly PruneCandidate[],
  options: PruneRankOptions,
): PruneCandidate[] {
  // The best connection of each peer (most streams, outbound, most recently active) is
  // not redundant; every other connection to that peer is.
  const best = new Map<string, PruneCandidate>()
  for (const c of candidates) {
    const b = best.get(c.peer)
    if (b === undefined || keepOrder(c, b) < 0) best.set(c.peer, c)
  }
  const eligible = candidates.filter((c) => !c.protected && options.now - c.openedAt >= options.gracePeriodMs)
  const redundant = (c: PruneCandidate) => (best.get(c.peer) === c ? 0 : 1)
  return eligible.sort(
    (a, b) =>
      redundant(b) - redundant(a) ||
      a.tagValue - b.tagValue ||
      a.streams - b.streams ||
      directionRank(a.direction) - directionRank(b.direction) ||
      a.lastActivityAt - b.lastActivityAt ||
      a.openedAt - b.openedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}

/** The `count` connections to close (fewer if not enough are pruneable). */
export function selectPruneVictims(
  candidates: readonly PruneCandidate[],
  count: number,
  options: PruneRankOptions,
): PruneCandidate[] {
  if (count <= 0) return []
  return rankForPruning(candidates, options).slice(0, count)
}

function directionRank(d: Direction): number {
  return d === 'inbound' ? 0 : 1
}

/** Negative when `a` is the better connection of a peer to keep. */
function keepOrder(a: PruneCandidate, b: PruneCandidate): number {
  return (
    (a.protected === b.protected ? 0 : a.protected ? -1 : 1) ||
    b.streams - a.streams ||
    directionRank(b.direction) - directionRank(a.direction) ||
    b.lastActivityAt - a.lastActivityAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}
