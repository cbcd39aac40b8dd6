/**
 * Classification of a multiaddr for ranking, filtering and black-hole detection: which
 * transport family it uses, its IP version, whether it is relayed, and its reachability scope.
 */
import type { Multiaddr } from '@multiformats/multiaddr'

/** The transport family, as the ranker orders them: QUIC (incl. WebTransport) before TCP (incl. WebSocket). */
export type TransportKind = 'quic' | 'tcp' | 'other'

/** Reachability scope of the first IP (or DNS name) of an address. */
export type AddrScope = 'loopback' | 'private' | 'public' | 'none'

/** What the dialer needs to know about an address. */
export interface AddrClass {
  readonly transport: TransportKind
  /** 6 for ip6/dns6; 4 for ip4, dns4 and dns/dnsaddr (family unknown until resolved); 0 without IP or DNS. */
  readonly family: 0 | 4 | 6
  readonly scope: AddrScope
  /** The address goes through a relay (`/p2p-circuit`). */
  readonly relayed: boolean
  /** The address uses UDP. */
  readonly udp: boolean
  /** The IP is unspecified (`0.0.0.0`, `::`) or the port is 0: it cannot be dialled. */
  readonly unspecified: boolean
  /** The peer id of the last `/p2p/…` component outside a relay hop, if any. */
  readonly peerId: string | undefined
}

// Multiaddrs are immutable: one dial classifies the same object several times (filter,
// black-hole filter, outcome), so the result is kept beside the object while it lives.
const classified = new WeakMap<Multiaddr, AddrClass>()

/** Classifies `addr` (pure; the result is cached per multiaddr object). */
export function classifyAddr(addr: Multiaddr): AddrClass {
  let c = classified.get(addr)
  if (c === undefined) {
    c = classify(addr)
    classified.set(addr, c)
  }
  return c
}

function classify(addr: Multiaddr): AddrClass {
  let transport: TransportKind = 'other'
  let family: 0 | 4 | 6 = 0
  let scope: AddrScope = 'none'
  let relayed = false
  let udp = false
  let unspecified = false
  let peerId: string | undefined
  for (const c of addr.getComponents()) {
    if (c.name === 'p2p') {
      peerId = c.value
      continue
    }
    if (c.name === 'p2p-circuit') {
      // What we dial is the relay: the components before the circuit decide everything else.
      relayed = true
      peerId = undefined
      continue
    }
    if (relayed) continue
    switch (c.name) {
      case 'ip4':
      case 'ip6':
      case 'dns4':
      case 'dns6':
      case 'dns':
      case 'dnsaddr':
        if (family === 0) {
          family = c.name === 'ip6' || c.name === 'dns6' ? 6 : 4
          const value = c.value ?? ''
          scope = c.name.startsWith('ip') ? ipScope(value, family) : dnsScope(value)
          if (value === '0.0.0.0' || value === '::') unspecified = true
        }
        break
      case 'tcp':
        if (c.value === '0') unspecified = true
        if (transport === 'other') transport = 'tcp'
        break
      case 'udp':
        if (c.value === '0') unspecified = true
        udp = true
        break
      case 'quic':
      case 'quic-v1':
        transport = 'quic'
        break
    }
  }
  return { transport, family, scope, relayed, udp, unspecified, peerId }
}

/** Scope of a textual IP address. */
export function ipScope(ip: string, family: 4 | 6): AddrScope {
  if (family === 4) {
    const octets = ip.split('.').map(Number)
    const [a = -1, b = -1] = octets
    if (a === 127) return 'loopback'
    if (a === 10 || a === 0) return 'private'
    if (a === 172 && b >= 16 && b <= 31) return 'private'
    if (a === 192 && b === 168) return 'private'
    if (a === 169 && b === 254) return 'private' // link-local
    if (a === 100 && b >= 64 && b <= 127) return 'private' // CGNAT, RFC 6598
    return 'public'
  }
  const lower = ip.toLowerCase()
  if (lower === '::1') return 'loopback'
  if (lower === '::') return 'private'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped?.[1] !== undefined) return ipScope(mapped[1], 4)
  // fc00::/7 unique local, fe80::/10 link-local.
  if (/^f[cd][0-9a-f]{0,2}:/.test(lower)) return 'private'
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) return 'private'
  return 'public'
}

function dnsScope(name: string): AddrScope {
  const lower = name.toLowerCase()
  return lower === 'localhost' || lower.endsWith('.localhost') ? 'loopback' : 'public'
}
