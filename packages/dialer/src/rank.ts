/**
 * The dial ranker: a pure function from candidate addresses to a dial schedule (address +
 * delay from the start of the dial). Seed 002, "Parallel Dial Attempts (Happy Eyeballs
 * Style)": QUIC before TCP, IPv6 before IPv4, direct before relayed, recently successful
 * first. Defaults follow go-libp2p's `DefaultDialRanker` (p2p/net/swarm/dial_ranker.go).
 *
 * | Group (in order)         | Addresses                                      | Delays                                  |
 * |--------------------------|------------------------------------------------|-----------------------------------------|
 * | recent                   | succeeded within `recentSuccessWindowMs`, no failure since | 0, then every `recentSuccessDelayMs`, newest first; everything below is offset past them |
 * | private                  | loopback, RFC 1918/6598, link-local, ULA        | QUIC/TCP `privateQuic/TcpDelayMs` (30)  apart, others `privateOtherDelayMs` (100) |
 * | public                   | public IPs and DNS names                        | QUIC/TCP `publicQuic/TcpDelayMs` (250) apart, others `publicOtherDelayMs` (1000) |
 * | relay                    | `/p2p-circuit`                                  | as public, all after `relayDelayMs` (500) when a public address exists |
 * | no IP                    | memory, unix, …                                 | after everything else, `publicOtherDelayMs` apart |
 *
 * Within the private, public and relay groups (go's `getAddrDelay`): QUIC addresses come
 * first, IPv6 before IPv4, and when both families exist the best IPv4 address is moved
 * to second place (RFC 8305 §4, happy eyeballs): first IPv6 at 0, first IPv4 one delay
 * later, the rest one more delay later. TCP starts one TCP delay after the last QUIC dial.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AddressDialStats } from '@switchyard/interface'
import { type AddrClass, classifyAddr } from './addr-class.js'

/** Delays of the ranker, all in milliseconds. */
export interface RankInit {
  /** Between public TCP dials. Default 250 (RFC 8305's "Connection Attempt Delay"). */
  publicTcpDelayMs?: number
  /** Between public QUIC dials. Default 250. */
  publicQuicDelayMs?: number
  /** Between private/loopback TCP dials. Default 30. */
  privateTcpDelayMs?: number
  /** Between private/loopback QUIC dials. Default 30. */
  privateQuicDelayMs?: number
  /** Before relayed addresses when a public direct address exists. Default 500. */
  relayDelayMs?: number
  /** Before public addresses of other transports (WebRTC, memory, …). Default 1000. */
  publicOtherDelayMs?: number
  /** Before private addresses of other transports. Default 100. */
  privateOtherDelayMs?: number
  /** An address that succeeded this recently (and has not failed since) is dialled first. Default 10 minutes. */
  recentSuccessWindowMs?: number
  /** Between recently successful addresses, and from the last of them to the rest. Default 250. */
  recentSuccessDelayMs?: number
}

/** The defaults of `RankInit`. */
export const rankDefaults = {
  publicTcpDelayMs: 250,
  publicQuicDelayMs: 250,
  privateTcpDelayMs: 30,
  privateQuicDelayMs: 30,
  relayDelayMs: 500,
  publicOtherDelayMs: 1000,
  privateOtherDelayMs: 100,
  recentSuccessWindowMs: 10 * 60_000,
  recentSuccessDelayMs: 250,
} as const satisfies Required<RankInit>

/** One address to rank, with its dial history if known (a peerstore `AddressRecord` fits). */
export interface RankCandidate {
  readonly multiaddr: Multiaddr
  readonly stats?: AddressDialStats | undefined
}

/** One entry of a dial schedule: dial `addr` `delayMs` after the dial started. */
export interface ScheduledDial {
  readonly addr: Multiaddr
  readonly delayMs: number
}

interface Item {
  readonly addr: Multiaddr
  readonly cls: AddrClass
}

/** Validates `init` (finite, non-negative numbers) and fills in defaults. */
export function validateRankInit(init: RankInit = {}): Required<RankInit> {
  const config = { ...rankDefaults }
  for (const key of Object.keys(rankDefaults) as (keyof RankInit)[]) {
    const v = init[key]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`RankInit.${key} must be a finite number >= 0, got ${String(v)}`)
    }
    config[key] = v as never
  }
  return config
}

/**
 * Ranks `candidates` into a schedule sorted by delay (ties keep rank order). Pure: the
 * same input and `now` give the same output. Duplicates are not removed here.
 */
export function rankAddresses(
  candidates: readonly RankCandidate[],
  now: number,
  config: Required<RankInit> = rankDefaults,
): ScheduledDial[] {
  const recent: { addr: Multiaddr; at: number }[] = []
  const relay: Item[] = []
  const priv: Item[] = []
  const pub: Item[] = []
  const noIp: Item[] = []
  for (const c of candidates) {
    const s = c.stats
    if (
      s?.lastSuccessAt !== undefined &&
      s.consecutiveFailures === 0 &&
      now - s.lastSuccessAt <= config.recentSuccessWindowMs
    ) {
      recent.push({ addr: c.multiaddr, at: s.lastSuccessAt })
      continue
    }
    const cls = classifyAddr(c.multiaddr)
    const item = { addr: c.multiaddr, cls }
    if (cls.relayed) relay.push(item)
    else if (cls.scope === 'loopback' || cls.scope === 'private') priv.push(item)
    else if (cls.family !== 0) pub.push(item)
    else noIp.push(item)
  }

  const out: ScheduledDial[] = []
  recent.sort((a, b) => b.at - a.at)
  recent.forEach((r, i) => {
    out.push({ addr: r.addr, delayMs: i * config.recentSuccessDelayMs })
  })
  const base = recent.length > 0 ? recent.length * config.recentSuccessDelayMs : 0

  const { privateTcpDelayMs, privateQuicDelayMs, privateOtherDelayMs } = config
  const { publicTcpDelayMs, publicQuicDelayMs, publicOtherDelayMs } = config
  groupDelays(out, priv, privateTcpDelayMs, privateQuicDelayMs, privateOtherDelayMs, base)
  groupDelays(out, pub, publicTcpDelayMs, publicQuicDelayMs, publicOtherDelayMs, base)
  const relayOffset = base + (pub.length > 0 ? config.relayDelayMs : 0)
  groupDelays(out, relay, publicTcpDelayMs, publicQuicDelayMs, publicOtherDelayMs, relayOffset)
  let maxDelay = base
  for (const d of out) maxDelay = Math.max(maxDelay, d.delayMs)
  noIp.forEach((item, i) => {
    out.push({ addr: item.addr, delayMs: maxDelay + (i + 1) * publicOtherDelayMs })
  })

  // Array.prototype.sort is stable: equal delays keep rank order.
  return out.sort((a, b) => a.delayMs - b.delayMs)
}

function score(cls: AddrClass): number {
  const transport = cls.transport === 'quic' ? 0 : cls.transport === 'tcp' ? 1 : 2
  return transport * 2 + (cls.family === 6 ? 0 : 1)
}

/** go-libp2p `getAddrDelay`: happy-eyeballs order and delays within one group. */
function groupDelays(
  out: ScheduledDial[],
  group: Item[],
  tcpDelay: number,
  quicDelay: number,
  otherDelay: number,
  offset: number,
): void {
  if (group.length === 0) return
  const items = group.slice().sort((a, b) => score(a.cls) - score(b.cls))
  const heQuic = happyEyeballs(items, 0, 'quic')
  let tcpStart = items.findIndex((i) => i.cls.transport === 'tcp')
  if (tcpStart === -1) tcpStart = items.length
  const heTcp = happyEyeballs(items, tcpStart, 'tcp')

  let tcpFirstDelay = 0
  let last = 0
  items.forEach((item, i) => {
    let delay = 0
    switch (item.cls.transport) {
      case 'quic':
        // First QUIC at 0, the second (IPv4 under happy eyeballs) one delay later, the rest one more.
        if (i === 1) delay = quicDelay
        else if (i > 1) delay = heQuic ? 2 * quicDelay : quicDelay
        tcpFirstDelay = delay + quicDelay
        break
      case 'tcp': {
        const j = i - tcpStart
        if (j === 1) delay = tcpDelay
        else if (j > 1) delay = heTcp ? 2 * tcpDelay : tcpDelay
        delay += tcpFirstDelay
        break
      }
      case 'other':
        delay = i === 0 ? 0 : last + otherDelay
        break
    }
    last = Math.max(last, delay)
    out.push({ addr: item.addr, delayMs: offset + delay })
  })
}

/**
 * If the address at `start` is IPv6 of `transport`, moves the first IPv4 address of the same
 * transport to `start + 1`. Returns whether both families are present.
 */
function happyEyeballs(items: Item[], start: number, transport: 'quic' | 'tcp'): boolean {
  const first = items[start]
  if (first === undefined || first.cls.transport !== transport || first.cls.family !== 6) return false
  for (let j = start + 1; j < items.length; j++) {
    const it = items[j] as Item
    if (it.cls.transport !== transport) return false
    if (it.cls.family === 4) {
      items.splice(j, 1)
      items.splice(start + 1, 0, it)
      return true
    }
  }
  return false
}
