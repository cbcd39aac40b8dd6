import { describe, expect, it } from 'vitest'
import { type PruneCandidate, rankForPruning, selectPruneVictims } from './prune-rank.js'

const base: PruneCandidate = {
  id: 'x',
  peer: 'p',
  direction: 'inbound',
  openedAt: 0,
  lastActivityAt: 0,
  streams: 0,
  tagValue: 0,
  protected: false,
}
const c = (id: string, over: Partial<PruneCandidate> = {}): PruneCandidate => ({
  ...base,
  id,
  peer: id,
  ...over,
})
const opts = { now: 1_000, gracePeriodMs: 100 }

describe('rankForPruning', () => {
  it.each<[string, PruneCandidate[], string[]]>([
    ['idle before active', [c('busy', { streams: 3 }), c('idle')], ['idle', 'busy']],
    ['fewer streams first', [c('s2', { streams: 2 }), c('s1', { streams: 1 })], ['s1', 's2']],
    ['inbound before outbound', [c('out', { direction: 'outbound' }), c('in')], ['in', 'out']],
    [
      'least recently active first',
      [c('new', { lastActivityAt: 500 }), c('old', { lastActivityAt: 10 })],
      ['old', 'new'],
    ],
    ['older first on equal activity', [c('b', { openedAt: 50 }), c('a', { openedAt: 10 })], ['a', 'b']],
    [
      'low importance first',
      [c('vip', { tagValue: 50 }), c('nobody', { tagValue: 0, streams: 9 })],
      ['nobody', 'vip'],
    ],
    [
      'redundant connections of a peer first, keeping its busiest',
      [
        c('solo', { lastActivityAt: 1 }),
        c('p1', { peer: 'dup', streams: 2 }),
        c('p2', { peer: 'dup', lastActivityAt: 900 }),
      ],
      ['p2', 'solo', 'p1'],
    ],
    ['protected never', [c('safe', { protected: true }), c('x')], ['x']],
    ['not within the grace period', [c('young', { openedAt: 950 }), c('x')], ['x']],
    ['stable by id', [c('b'), c('a')], ['a', 'b']],
  ])('%s', (_name, candidates, expected) => {
    expect(rankForPruning(candidates, opts).map((x) => x.id)).toEqual(expected)
  })

  it('selects at most count victims', () => {
    const list = [c('a'), c('b'), c('c')]
    expect(selectPruneVictims(list, 2, opts).map((x) => x.id)).toEqual(['a', 'b'])
    expect(selectPruneVictims(list, 0, opts)).toEqual([])
    expect(selectPruneVictims(list, 9, opts)).toHaveLength(3)
  })
})
