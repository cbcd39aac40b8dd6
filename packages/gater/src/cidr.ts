/**
 * CIDR rules: a small IPv4 / IPv6 prefix matcher.
 *
 * Addresses are 16 bytes; IPv4 `a.b.c.d` is held v4-mapped (`::ffff:a.b.c.d`, RFC 4291
 * §2.5.5.2), so an IPv4 rule also matches the v4-mapped IPv6 form of its addresses and
 * the other way round, and `::/0` contains every IPv4 address — the semantics of Node's
 * `net.BlockList` and Go's `net.IPNet`, which the tests use as the reference.
 *
 * Why not `net.BlockList` itself: it answers yes / no for a whole list, so finding the
 * most specific matching rule (and naming it) would take one native check per rule —
 * about 2 µs each, 200 µs per connection for 100 rules. {@link CidrTable} instead does
 * one map lookup per distinct prefix length in use, whatever the number of rules.
 */

import { isIP, SocketAddress } from 'node:net'

/** A parsed CIDR block. */
export interface CidrBlock {
  /** Canonical text of the network, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly key: string
  /** Prefix length in the 16-byte space: an IPv4 /n is /(96 + n). */
  readonly bits: number
  /** The network (host bits cleared), 16 bytes. */
  readonly network: Uint8Array
}

/**
 * The 16 bytes of an address already known to be valid (from a multiaddr, or checked
 * with `net.isIP`). IPv4 becomes v4-mapped.
 */
export function ipToBytes(ip: string): Uint8Array {
  const out = new Uint8Array(16)
  if (!ip.includes(':')) {
    out[10] = 0xff
    out[11] = 0xff
    const p = ip.split('.')
    for (let i = 0; i < 4; i++) out[12 + i] = Number(p[i])
    return out
  }
  const groups = (s: string): number[] => {
    if (s === '') return []
    const parts = s.split(':')
    const out: number[] = []
    for (const part of parts) {
      if (part.includes('.')) {
        const v4 = part.split('.').map(Number)
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else {
        out.push(Number.parseInt(part, 16))
      }
    }
    return out
  }
  const gap = ip.indexOf('::')
  const head = groups(gap === -1 ? ip : ip.slice(0, gap))
  const tail = gap === -1 ? [] : groups(ip.slice(gap + 2))
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8
    out[2 * i + 1] = all[i]! & 0xff
  }
  return out
}

/** The lookup key of `bytes` masked to `bits`: hex of the covered bytes, and the length. */
function maskedKey(bytes: Uint8Array, bits: number): string {
  let key = ''
  const full = bits >>> 3
  for (let i = 0; i < full; i++) key += bytes[i]! < 16 ? `0${bytes[i]!.toString(16)}` : bytes[i]!.toString(16)
  const rest = bits & 7
  if (rest !== 0) key += (bytes[full]! & (0xff << (8 - rest)) & 0xff).toString(16)
  return `${key}/${bits}`
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a bare address (/32, /128). Host bits are cleared.
 * @throws TypeError / RangeError saying what is wrong.
 */
export function parseCidrBlock(text: string): CidrBlock {
  if (typeof text !== 'string') throw new TypeError('CIDR must be a string')
  const slash = text.indexOf('/')
  const addr = slash === -1 ? text : text.slice(0, slash)
  const version = isIP(addr)
  if (version === 0) throw new RangeError(`"${text}" is not an IP address or CIDR block`)
  const max = version === 4 ? 32 : 128
  let prefix = max
  if (slash !== -1) {
    const p = text.slice(slash + 1)
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > max) {
      throw new RangeError(`"${text}": prefix length must be an integer from 0 to ${max}`)
    }
    prefix = Number(p)
  }
  const bits = version === 4 ? 96 + prefix : prefix
  const bytes = ipToBytes(addr)
  const network = new Uint8Array(16)
  const full = bits >>> 3
  network.set(bytes.subarray(0, full))
  if ((bits & 7) !== 0) network[full] = bytes[full]! & (0xff << (8 - (bits & 7)))
  // A v4-mapped IPv6 block of /96 or longer is shown as the IPv4 block it is.
  const mapped =
    bits >= 96 &&
    network.subarray(0, 10).every((b) => b === 0) &&
    network[10] === 0xff &&
    network[11] === 0xff
  let shown: string
  if (version === 4 || mapped)
    shown = `${network[12]}.${network[13]}.${network[14]}.${network[15]}/${bits - 96}`
  else {
    const hex: string[] = []
    for (let i = 0; i < 16; i += 2) hex.push(((network[i]! << 8) | network[i + 1]!).toString(16))
    shown = `${new SocketAddress({ address: hex.join(':'), family: 'ipv6' }).address}/${prefix}`
  }
  return { key: shown, bits, network }
}

/** True when `block` contains the address `bytes` (16). */
export function cidrContains(block: CidrBlock, bytes: Uint8Array): boolean {
  return maskedKey(bytes, block.bits) === maskedKey(block.network, block.bits)
}

/**
 * Values keyed by CIDR block, with a most-specific-match lookup. The caller keeps the
 * values (with their expiry); the table indexes them by prefix length.
 */
export class CidrTable<V> {
  /** Masked key → block and value. */
  readonly #byKey = new Map<string, { block: CidrBlock; value: V }>()
  /** Prefix lengths in use, longest first, with how many blocks use each. */
  #lengths: number[] = []
  readonly #counts = new Map<number, number>()

  /** Sets the value of `block` (replacing any value of the same network). */
  set(block: CidrBlock, value: V): void {
    const k = maskedKey(block.network, block.bits)
    if (!this.#byKey.has(k)) this.#count(block.bits, 1)
    this.#byKey.set(k, { block, value })
  }

  /** Removes `block`; true when it was there. */
  delete(block: CidrBlock): boolean {
    const k = maskedKey(block.network, block.bits)
    if (!this.#byKey.delete(k)) return false
    this.#count(block.bits, -1)
    return true
  }

  /**
   * The entries containing `bytes`, most specific first, until `accept` returns true
   * for one (which is returned). `accept` may delete entries (expired ones).
   */
  find(
    bytes: Uint8Array,
    accept: (block: CidrBlock, value: V) => boolean,
  ): { block: CidrBlock; value: V } | undefined {
    for (const bits of [...this.#lengths]) {
      const e = this.#byKey.get(maskedKey(bytes, bits))
      if (e !== undefined && accept(e.block, e.value)) return e
    }
    return undefined
  }

  /** Every entry. */
  entries(): IterableIterator<{ block: CidrBlock; value: V }> {
    return this.#byKey.values()
  }

  #count(bits: number, delta: number): void {
    const n = (this.#counts.get(bits) ?? 0) + delta
    if (n === 0) this.#counts.delete(bits)
    else this.#counts.set(bits, n)
    this.#lengths = [...this.#counts.keys()].sort((a, b) => b - a)
  }
}
