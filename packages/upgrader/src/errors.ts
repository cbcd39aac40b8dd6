/**
 * Typed errors of the upgrade pipeline. Every failure names the step it happened in
 * (`step`) and keeps the underlying error as `cause`.
 */
import { SwitchyardError } from '@switchyard/interface'

/**
 * The steps of an upgrade, in order (seed 002, "Full Upgrade Sequence"): the accept
 * gate (inbound only), multistream-select of the security protocol, the security
 * handshake, the checks on the authenticated peer, multistream-select of the muxer
 * (skipped when the handshake agreed on one), the muxer session, the final gate.
 */
export type UpgradeStep =
  | 'accept'
  | 'security-negotiation'
  | 'handshake'
  | 'secured'
  | 'muxer-negotiation'
  | 'muxer'
  | 'upgraded'

/** Codes of `UpgradeError`. */
export type UpgradeErrorCode =
  /** The upgrade did not finish within its timeout (`step` says where it was). */
  | 'UPGRADE_TIMEOUT'
  /** multistream-select of the security protocol failed (no common protocol, garbage, EOF). */
  | 'UPGRADE_SECURITY_NEGOTIATION_FAILED'
  /** The security handshake failed; `cause` is the security protocol's error. */
  | 'UPGRADE_HANDSHAKE_FAILED'
  /** Outbound: the remote authenticated as another peer than the one we dialled. */
  | 'UPGRADE_UNEXPECTED_PEER'
  /** The remote is ourselves (same peer id). */
  | 'UPGRADE_SELF_DIAL'
  /** multistream-select of the muxer failed. */
  | 'UPGRADE_MUXER_NEGOTIATION_FAILED'
  /** The muxer session could not be started. */
  | 'UPGRADE_MUXER_FAILED'
  /** A connection gater denied the connection; `cause` is the `ConnectionGatedError`. */
  | 'UPGRADE_GATED'
  /** The resource manager refused the connection; `cause` is the `ResourceLimitError`. */
  | 'UPGRADE_RESOURCE_LIMIT'

/** An upgrade failed. The raw connection and everything built on it has been released. */
export class UpgradeError extends SwitchyardError<UpgradeErrorCode> {
  /** The step that failed. */
  readonly step: UpgradeStep

  constructor(code: UpgradeErrorCode, step: UpgradeStep, message: string, options?: { cause?: unknown }) {
    super(code, `upgrade failed at ${step}: ${message}`, options)
    this.step = step
  }
}
