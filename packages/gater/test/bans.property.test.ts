/**
 * Property: against a model (peer → expiry), random bans, unbans, permanent denies and
 * clock advances decide every check exactly as the model says; expired bans vanish
 * from `rules()`.
 */

import type { PeerId } from '@switchyard/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RuleGater } from '../src/rule-gater.js'

const PEERS: PeerId[] = ['a', 'b', 'c'].map((n) => ({
  bytes: new Uint8Array([n.charCodeAt(0)]),
  toString: () => n,
  equals: (o: PeerId) => o.toString() === n,
}))

const op = fc.oneof(
  fc.record({ kind: fc.constant('ban' as const), peer: fc.nat(2), ms: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('deny' as const), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('forget' as const), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(600) }),
)

describe('expiring bans (property)', () => {
  it('agree with a model under a fake clock', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let now = 0
        const g = new RuleGater({ clock: () => now })
        /** peer → expiry (Infinity: permanent) */
        const model = new Map<number, number>()
        for (const o of ops) {
          switch (o.kind) {
            case 'ban':
              g.banPeer(PEERS[o.peer]!, o.ms)
              model.set(o.peer, now + o.ms)
              break
            case 'deny':
              g.denyPeer(PEERS[o.peer]!)
              model.set(o.peer, Number.POSITIVE_INFINITY)
              break
            case 'forget':
              g.forgetPeer(PEERS[o.peer]!)
              model.delete(o.peer)
              break
            case 'advance':
              now += o.ms
              break
          }
          for (let i = 0; i < PEERS.length; i++) {
            const banned = (model.get(i) ?? Number.NEGATIVE_INFINITY) > now
            expect(g.interceptPeerDial(PEERS[i]!).allow).toBe(!banned)
          }
          const live = [...model].filter(([, t]) => t > now).length
          expect(g.rules()).toHaveLength(live)
        }
      }),
    )
  })
})
