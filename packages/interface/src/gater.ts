/**
 * Connection gating: policy-based admission control, consulted at each gate point of
 * a connection's life (seed 002, "Connection Gating"; go-libp2p `ConnectionGater`).
 *
 * | Gate point  | Known at that point                     | Hook                |
 * |-------------|-----------------------------------------|---------------------|
 * | peer-dial   | the peer we are about to dial           | `interceptPeerDial` |
 * | addr-dial   | one address of that peer, before dialing| `interceptAddrDial` |
 * | accept      | a raw inbound connection's addresses    | `interceptAccept`   |
 * | secured     | + the authenticated peer id, direction  | `interceptSecured`  |
 * | upgraded    | + the negotiated security and muxer     | `interceptUpgraded` |
 *
 * Hooks are synchronous and cheap (they run for every dial and accept); an absent hook
 * allows. Gating is separate from resource management: a connection may be within
 * resource limits but denied by policy, and vice versa.
 */

import type { Multiaddr } from '@multiformats/multiaddr'
import { SwitchyardError } from './errors.js'
import type { Direction, PeerId } from './peer.js'

/** The decision of one gate hook: allow, or deny with a human-readable reason. */
export type GateVerdict = { readonly allow: true } | { readonly allow: false; readonly reason: string }

/** The shared "allow" verdict (frozen, so returning it allocates nothing). */
export const ALLOW: GateVerdict = Object.freeze({ allow: true as const })

/** A "deny" verdict with `reason` (say what matched: "peer 12D3… is banned until …"). */
export function deny(reason: string): GateVerdict {
  return { allow: false, reason }
}

/** The gate points, in the order a connection passes them. */
export type GatePoint = 'peer-dial' | 'addr-dial' | 'accept' | 'secured' | 'upgraded'

/** The two ends of a connection, known from the moment it exists. */
export interface ConnectionAddrs {
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
}

/** A connection after the security handshake: the remote peer is authenticated. */
export interface SecuredConnectionInfo extends ConnectionAddrs {
  readonly remotePeer: PeerId
  readonly direction: Direction
}

/** A fully upgraded connection: security and muxer negotiated. */
export interface UpgradedConnectionInfo extends SecuredConnectionInfo {
  /** The security protocol id, e.g. `/noise`. */
  readonly security: string
  /** The muxer protocol id, e.g. `/yamux/1.0.0`. */
  readonly muxer: string
}

/**
 * A connection gater. Every hook is optional (absent = allow), synchronous and must
 * not throw; the caller closes what it was about to use when a hook denies.
 */
export interface ConnectionGater {
  /** Before dialing `peer` at all. */
  interceptPeerDial?(peer: PeerId): GateVerdict
  /** Before dialing one address (`peer` is undefined when dialing a bare address). */
  interceptAddrDial?(peer: PeerId | undefined, addr: Multiaddr): GateVerdict
  /** A raw inbound connection was accepted; only its addresses are known. */
  interceptAccept?(addrs: ConnectionAddrs): GateVerdict
  /** The security handshake completed (both directions). */
  interceptSecured?(conn: SecuredConnectionInfo): GateVerdict
  /** The muxer was negotiated; the connection is about to be handed to the switch. */
  interceptUpgraded?(conn: UpgradedConnectionInfo): GateVerdict
}

/** The code of {@link ConnectionGatedError}. */
export type GateErrorCode = 'CONNECTION_GATED'

/** Raised by the switch / upgrader when a gate hook denies. */
export class ConnectionGatedError extends SwitchyardError<GateErrorCode> {
  /** The gate point that denied. */
  readonly gate: GatePoint
  /** The gater's reason. */
  readonly reason: string

  constructor(gate: GatePoint, reason: string) {
    super('CONNECTION_GATED', `connection gated at ${gate}: ${reason}`)
    this.gate = gate
    this.reason = reason
  }
}

/** Throws {@link ConnectionGatedError} when `verdict` denies; `undefined` (no hook) allows. */
export function enforceGate(verdict: GateVerdict | undefined, gate: GatePoint): void {
  if (verdict !== undefined && !verdict.allow) throw new ConnectionGatedError(gate, verdict.reason)
}
