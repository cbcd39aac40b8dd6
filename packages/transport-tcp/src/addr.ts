/**
 * Conversions between TCP multiaddrs (multiaddr spec, ../shared/specs/multiformats)
 * and the host/port pairs `node:net` takes.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'

const CODE_IP4 = 4
const CODE_TCP = 6
const CODE_IP6 = 41
const CODE_DNS = 53
const CODE_DNS4 = 54
const CODE_DNS6 = 55
const CODE_P2P = 421

/** A TCP address in the form `node:net` wants. `family` 0 lets a DNS name resolve to either. */
export interface TcpAddress {
  host: string
  port: number
  family: 0 | 4 | 6
  /** True for an IP literal, false for a DNS name. */
  ip: boolean
}

/**
 * Parses `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>]`. Returns `undefined`
 * for anything else (a `/ws` suffix, a UDP address, …). DNS names are only
 * accepted when `allowDns` is true (dialing; listening needs an IP).
 */
export function parseTcpAddr(addr: Multiaddr, allowDns: boolean): TcpAddress | undefined {
  const components = addr.getComponents()
  if (components.length < 2 || components.length > 3) return undefined
  const [host, tcp, p2p] = components
  if (tcp!.code !== CODE_TCP || tcp!.value === undefined) return undefined
  if (p2p !== undefined && p2p.code !== CODE_P2P) return undefined
  const port = Number(tcp!.value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined
  const value = host!.value
  if (value === undefined) return undefined
  switch (host!.code) {
    case CODE_IP4:
      return { host: value, port, family: 4, ip: true }
    case CODE_IP6:
      return { host: value, port, family: 6, ip: true }
    case CODE_DNS:
      return allowDns ? { host: value, port, family: 0, ip: false } : undefined
    case CODE_DNS4:
      return allowDns ? { host: value, port, family: 4, ip: false } : undefined
    case CODE_DNS6:
      return allowDns ? { host: value, port, family: 6, ip: false } : undefined
    default:
      return undefined
  }
}

/**
 * The multiaddr of a socket endpoint as Node reports it. IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`, seen on dual-stack listeners) become `/ip4`.
 */
export function toMultiaddr(
  address: string | undefined,
  port: number | undefined,
  family?: string,
): Multiaddr {
  if (address === undefined || port === undefined) return multiaddr('/ip4/0.0.0.0/tcp/0')
  if (address.startsWith('::ffff:') && address.includes('.')) {
    return multiaddr(`/ip4/${address.slice(7)}/tcp/${port}`)
  }
  const v6 = family === 'IPv6' || family === '6' || address.includes(':')
  // Drop a zone suffix (`fe80::1%eth0`): `/ip6zone` is not part of a dialable address here.
  const host = v6 ? address.split('%')[0] : address
  return multiaddr(`/${v6 ? 'ip6' : 'ip4'}/${host}/tcp/${port}`)
}
