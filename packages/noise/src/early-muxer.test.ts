import { describe, expect, it } from 'vitest'
import { chooseAsInitiator, chooseAsResponder } from './early-muxer.js'

const Y = '/yamux/1.0.0'
const M = '/mplex/6.7.0'

describe('early muxer negotiation', () => {
  it.each([
    // ours, responder's, sent, agreed, noCommon
    [[Y, M], [M, Y], [Y], Y, false],
    [[M, Y], [Y], [Y], Y, false],
    [[Y], [], [], undefined, false],
    [[], [Y], [], undefined, false],
    [[Y], [M], [Y], undefined, true],
  ])('initiator: ours %j, responder %j → send %j, agree %s', (ours, theirs, send, agreed, noCommon) => {
    expect(chooseAsInitiator(ours, theirs)).toEqual({ send, agreed, noCommon })
  })

  it.each([
    // ours, initiator's, agreed, noCommon
    [[M, Y], [Y, M], Y, false], // the spec example: the initiator's preference wins
    [[Y], [M, Y], Y, false],
    [[Y], [], undefined, false],
    [[], [Y], undefined, false],
    [[Y], [M], undefined, true],
  ])('responder: ours %j, initiator %j → %s', (ours, theirs, agreed, noCommon) => {
    expect(chooseAsResponder(ours, theirs)).toEqual({ agreed, noCommon })
  })

  it('both sides agree whichever list a responder picks from', () => {
    const lists = [[Y], [M], [Y, M], [M, Y]]
    for (const init of lists)
      for (const resp of lists) {
        const c = chooseAsInitiator(init, resp)
        if (c.noCommon) continue
        // Spec rule (first of the initiator's list we support) and js-libp2p's rule
        // (first of the remote's list it supports) give the same answer.
        expect(chooseAsResponder(resp, c.send).agreed).toBe(c.agreed)
        expect(c.send.find((m) => resp.includes(m))).toBe(c.agreed)
      }
  })
})
