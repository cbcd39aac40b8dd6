/**
 * A small IPv4 / IPv6 address parser and prefix matcher, used for the allowlist and
 * for per-subnet accounting (connection caps, rate-limit buckets).
 *
 * Every address is held as 16 bytes; IPv4 `a.b.c.d` is stored v4-mapped
 * (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) so that an IPv4 rule also matches the same
 * address written in its v4-mapped IPv6 form, as Node's `net.BlockList` and Go's
 * `net.IPNet` do. An IPv4 prefix of length n is the IPv6 prefix of length 96 + n.
 */

/** Bytes of the v4-mapped prefix `::ffff:0:0/96`. */
const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/** A parsed address: 16 bytes, and whether it was (or maps) an IPv4 address. */
export interface IpAddress {
  readonly bytes: Uint8Array
  readonly v4: boolean
}

/** An address prefix (CIDR block) in the 16-byte space. */
export interface IpPrefix {
  /** The network bytes (host bits zeroed). */
  readonly network: Uint8Array
  /** Prefix length in the 16-byte space (0…128); an IPv4 /n is 96 + n. */
  readonly bits: number
  /** True for an IPv4 block. */
  readonly v4: boolean
}

function parseV4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!
    // RFC 6943 §3.1.1: only the strict dotted-decimal form; no octal-looking leading zeros.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false
    const n = Number(p)
    if (n > 255) return false
    out[at + i] = n
  }
  return true
}

function parseV6Into(text: string, out: Uint8Array): boolean {
  // RFC 4291 §2.2: eight groups of 1–4 hex digits, one `::` for a run of zero groups,
  // optionally ending in a dotted IPv4 address (which takes two groups).
  const halves = text.split('::')
  if (halves.length > 2) return false
  const head = halves[0] === '' ? [] : halves[0]!.split(':')
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : []
  const groups: number[] = []
  const tailGroups: number[] = []
  const parseGroups = (list: string[], into: number[], last: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!
      if (last && i === list.length - 1 && g.includes('.')) {
        const v4 = new Uint8Array(4)
        if (!parseV4Into(g, v4, 0)) return false
        into.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
        continue
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false
      into.push(Number.parseInt(g, 16))
    }
    return true
  }
  if (halves.length === 2) {
    if (!parseGroups(head, groups, false) || !parseGroups(tail, tailGroups, true)) return false
    if (groups.length + tailGroups.length > 7) return false
    while (groups.length + tailGroups.length < 8) groups.push(0)
    groups.push(...tailGroups)
  } else {
    if (!parseGroups(head, groups, true) || groups.length !== 8) return false
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8
    out[2 * i + 1] = groups[i]! & 0xff
  }
  return true
}

/** Parses an IPv4 or IPv6 address in text form; `undefined` when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const bytes = new Uint8Array(16)
  if (text.includes(':')) {
    if (!parseV6Into(text, bytes)) return undefined
    return { bytes, v4: isV4Mapped(bytes) }
  }
  for (let i = 0; i < 12; i++) bytes[i] = V4_MAPPED_PREFIX[i]!
  if (!parseV4Into(text, bytes, 12)) return undefined
  return { bytes, v4: true }
}

/** True when `bytes` (16) is in `::ffff:0:0/96`. */
export function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (bytes[i] !== V4_MAPPED_PREFIX[i]) return false
  return true
}

/** True for 127.0.0.0/8 and ::1 (loopback is exempt from subnet caps and rate limits). */
export function isLoopback(addr: IpAddress): boolean {
  if (addr.v4) return addr.bytes[12] === 127
  for (let i = 0; i < 15; i++) if (addr.bytes[i] !== 0) return false
  return addr.bytes[15] === 1
}

/** `addr` with all bits after the first `bits` cleared. */
export function maskIp(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(16)
  const full = bits >>> 3
  for (let i = 0; i < full; i++) out[i] = bytes[i]!
  const rest = bits & 7
  if (rest !== 0) out[full] = bytes[full]! & (0xff << (8 - rest))
  return out
}

/**
 * Parses `a.b.c.d/n`, `x:y::/n`, or a bare address (a /32 or /128).
 * @throws RangeError naming what is wrong.
 */
export function parseCidr(text: string): IpPrefix {
  const slash = text.indexOf('/')
  const addrText = slash === -1 ? text : text.slice(0, slash)
  const addr = parseIp(addrText)
  if (addr === undefined) throw new RangeError(`"${text}" is not an IP address or CIDR block`)
  const ipv4Text = !addrText.includes(':')
  const max = ipv4Text ? 32 : 128
  let len = max
  if (slash !== -1) {
    const lenText = text.slice(slash + 1)
    if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > max) {
      throw new RangeError(`"${text}": prefix length must be an integer from 0 to ${max}`)
    }
    len = Number(lenText)
  }
  return prefixOf(addr, ipv4Text ? 96 + len : len, ipv4Text)
}

/** The prefix of `bits` (in the 16-byte space) containing `addr`. */
export function prefixOf(addr: IpAddress, bits: number, v4 = addr.v4): IpPrefix {
  return { network: maskIp(addr.bytes, bits), bits, v4 }
}

/** True when `prefix` contains `addr`. */
export function prefixContains(prefix: IpPrefix, addr: IpAddress): boolean {
  const { network, bits } = prefix
  const full = bits >>> 3
  const b = addr.bytes
  for (let i = 0; i < full; i++) if (network[i] !== b[i]) return false
  const rest = bits & 7
  if (rest === 0) return true
  const m = 0xff << (8 - rest)
  return (network[full]! & m) === (b[full]! & m)
}

/** The text form of a prefix, as written in errors and stats: `10.0.0.0/8`, `2001:db8::/48`. */
export function formatPrefix(prefix: IpPrefix): string {
  const n = prefix.network
  if (prefix.v4) return `${n[12]}.${n[13]}.${n[14]}.${n[15]}/${prefix.bits - 96}`
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((n[i]! << 8) | n[i + 1]!).toString(16))
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups.
  let bestAt = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen) {
      bestAt = i
      bestLen = j - i
    }
    i = j
  }
  let text: string
  if (bestLen >= 2) {
    text = `${groups.slice(0, bestAt).join(':')}::${groups.slice(bestAt + bestLen).join(':')}`
  } else {
    text = groups.join(':')
  }
  return `${text}/${prefix.bits}`
}
