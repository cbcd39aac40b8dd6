/** The gater that admits everything (the switch's default). */

import { ALLOW, type ConnectionGater, type GateVerdict } from '@switchyard/interface'

const allow = (): GateVerdict => ALLOW

/** A gater whose every hook allows. */
export function allowAll(): ConnectionGater {
  return {
    interceptPeerDial: allow,
    interceptAddrDial: allow,
    interceptAccept: allow,
    interceptSecured: allow,
    interceptUpgraded: allow,
  }
}
