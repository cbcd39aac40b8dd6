/**
 * The allowlist: addresses (optionally restricted to one peer) whose connections are
 * accounted in the allowlisted system / transient scopes, with their own limits, and
 * skip per-subnet caps and rate limits (after go-libp2p rcmgr's allowlist).
 */

import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@switchyard/interface'
import { formatPrefix, type IpAddress, type IpPrefix, parseCidr, prefixContains } from './ip.js'

/** One parsed allowlist entry. */
export interface AllowlistEntry {
  readonly prefix: IpPrefix
  /** When set, only connections that authenticate as this peer stay allowlisted. */
  readonly peer: string | undefined
  /** The entry as given. */
  readonly source: string
}

/**
 * Parses one entry: a multiaddr of `/ip4|ip6/<addr>[/ipcidr/<n>][/p2p/<peer>]`, or a
 * CIDR block / bare address (`10.0.0.0/8`, `2001:db8::1`).
 * @throws RangeError saying what is wrong.
 */
export function parseAllowlistEntry(text: string): AllowlistEntry {
  if (!text.startsWith('/')) return { prefix: parseCidr(text), peer: undefined, source: text }
  let components: { name: string; value?: string | undefined }[]
  try {
    components = multiaddr(text).getComponents()
  } catch (err) {
    throw new RangeError(`"${text}" is not a valid multiaddr: ${(err as Error).message}`)
  }
  const [ip, ...rest] = components
  if (ip === undefined || (ip.name !== 'ip4' && ip.name !== 'ip6') || ip.value === undefined) {
    throw new RangeError(`"${text}" must start with /ip4 or /ip6`)
  }
  let bits: string | undefined
  let peer: string | undefined
  for (const c of rest) {
    if (c.name === 'ipcidr' && bits === undefined && peer === undefined) bits = c.value
    else if (c.name === 'p2p' && peer === undefined) peer = c.value
    else
      throw new RangeError(
        `"${text}": only /ipcidr/<n> then /p2p/<peer> may follow the address (got /${c.name})`,
      )
  }
  const cidr = bits === undefined ? ip.value : `${ip.value}/${bits}`
  return { prefix: parseCidr(cidr), peer, source: text }
}

/** A set of allowlist entries. Lookups are linear: allowlists are short. */
export class Allowlist {
  readonly #entries: AllowlistEntry[]

  constructor(entries: readonly string[]) {
    this.#entries = entries.map(parseAllowlistEntry)
  }

  get size(): number {
    return this.#entries.length
  }

  /** True when some entry covers `addr` (whatever its peer restriction). */
  allowsAddr(addr: IpAddress): boolean {
    return this.#entries.some((e) => prefixContains(e.prefix, addr))
  }

  /** True when some entry covers `addr` without a peer restriction or for `peer`. */
  allowsPeerAt(addr: IpAddress, peer: PeerId): boolean {
    const id = peer.toString()
    return this.#entries.some(
      (e) => (e.peer === undefined || e.peer === id) && prefixContains(e.prefix, addr),
    )
  }

  /** The entries in their canonical form, for stats. */
  describe(): string[] {
    return this.#entries.map(
      (e) => `${formatPrefix(e.prefix)}${e.peer === undefined ? '' : ` (peer ${e.peer})`}`,
    )
  }
}
