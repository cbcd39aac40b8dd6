/**
 * CIDR rules, matched with Node's `net.BlockList` (one per rule, so that the most
 * specific matching rule can be found and named in the deny reason).
 *
 * `net.BlockList` treats an IPv4 address and its v4-mapped IPv6 form
 * (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) as the same address, both ways, and `::/0`
 * contains every IPv4 address too (as Go's `net.IPNet` does); the tests pin this down.
 */

import { BlockList, isIP, SocketAddress } from 'node:net'

/** A parsed CIDR block. */
export interface CidrBlock {
  /** Canonical text, e.g. `10.0.0.0/8` or `2001:db8::/32` (host bits kept as given). */
  readonly key: string
  readonly family: 'ipv4' | 'ipv6'
  /** Specificity in the IPv6 space: an IPv4 /n counts as /(96 + n). */
  readonly specificity: number
  readonly list: BlockList
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a bare address (/32, /128).
 * @throws TypeError / RangeError saying what is wrong.
 */
export function parseCidrBlock(text: string): CidrBlock {
  if (typeof text !== 'string') throw new TypeError('CIDR must be a string')
  const slash = text.indexOf('/')
  const addr = slash === -1 ? text : text.slice(0, slash)
  const version = isIP(addr)
  if (version === 0) throw new RangeError(`"${text}" is not an IP address or CIDR block`)
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const max = version === 4 ? 32 : 128
  let prefix = max
  if (slash !== -1) {
    const p = text.slice(slash + 1)
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > max) {
      throw new RangeError(`"${text}": prefix length must be an integer from 0 to ${max}`)
    }
    prefix = Number(p)
  }
  const canonical = new SocketAddress({ address: addr, family }).address
  const list = new BlockList()
  list.addSubnet(canonical, prefix, family)
  return { key: `${canonical}/${prefix}`, family, specificity: version === 4 ? 96 + prefix : prefix, list }
}

/** True when `block` contains `ip` (text form, either family). */
export function cidrContains(block: CidrBlock, ip: string, family: 'ipv4' | 'ipv6'): boolean {
  return block.list.check(ip, family)
}
