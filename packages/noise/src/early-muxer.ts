/**
 * Early muxer negotiation over Noise
 * (../../shared/specs/libp2p/connections/inlined-muxer-negotiation.md §Multiplexer
 * Negotiation over Noise): the responder lists its muxers in message 2, the
 * initiator in message 3, and "the multiplexer to use is determined by picking the
 * first item from the initiator's list that both parties support".
 *
 * js-libp2p (`@chainsafe/libp2p-noise`) instead picks, on either side, the first
 * entry of the *remote's* list that it supports. To agree with both behaviours the
 * initiator uses the spec's permission to "choose a single multiplexer from the
 * responder's list and only send that value": it sends exactly the muxer it picked
 * (its first preference that the responder listed), so any responder, whichever
 * list it picks from, lands on the same one. As responder we follow the spec rule.
 */

/** What the initiator puts in message 3 and what it concluded. */
export interface InitiatorMuxerChoice {
  /** The `stream_muxers` to send in message 3. */
  send: string[]
  /** The agreed muxer, when both sides listed muxers and one is common. */
  agreed: string | undefined
  /** Both sides listed muxers and none is common: the handshake must fail (after sending). */
  noCommon: boolean
}

/**
 * The initiator's decision after reading the responder's list. When either side
 * lists nothing there is no early negotiation (and we send nothing, so a responder
 * that picks from our list cannot conclude differently).
 */
export function chooseAsInitiator(
  ours: readonly string[],
  responders: readonly string[],
): InitiatorMuxerChoice {
  if (ours.length === 0 || responders.length === 0) return { send: [], agreed: undefined, noCommon: false }
  const agreed = ours.find((m) => responders.includes(m))
  if (agreed === undefined) return { send: [...ours], agreed: undefined, noCommon: true }
  return { send: [agreed], agreed, noCommon: false }
}

/**
 * The responder's decision after reading the initiator's list: the first entry of
 * the initiator's list that we support. `undefined` agreed when either list is
 * empty; `noCommon` when both are non-empty and disjoint.
 */
export function chooseAsResponder(
  ours: readonly string[],
  initiators: readonly string[],
): { agreed: string | undefined; noCommon: boolean } {
  if (ours.length === 0 || initiators.length === 0) return { agreed: undefined, noCommon: false }
  const agreed = initiators.find((m) => ours.includes(m))
  return { agreed, noCommon: agreed === undefined }
}
