/**
 * A rule-based connection gater: allow and deny rules by peer id, by IP CIDR block
 * (IPv4 and IPv6) and by multiaddr, each optionally expiring (a ban for a duration).
 *
 * Decision at each gate, on what is known there: **the most specific matching rule
 * decides** — a peer-id rule over a multiaddr rule over a CIDR rule; among multiaddr
 * rules the longest, among CIDR rules the longest prefix. No
 * matching rule: allow. So `deny 10.0.0.0/8` + `allow 10.1.2.3` admits 10.1.2.3 only,
 * and a banned peer stays banned on an allowed subnet once its id is known.
 *
 * Rules take effect at the next check; nothing is cached. Expired rules vanish.
 */

import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  ALLOW,
  type ConnectionAddrs,
  type ConnectionGater,
  deny,
  type GateVerdict,
  type PeerId,
  type SecuredConnectionInfo,
  type UpgradedConnectionInfo,
} from '@switchyard/interface'
import { CidrTable, ipToBytes, parseCidrBlock } from './cidr.js'
import { type Clock, ExpiringMap } from './expiring-map.js'

/** Whether a rule admits or refuses. */
export type RuleAction = 'allow' | 'deny'

/** Options of one rule. */
export interface RuleOptions {
  /** The rule vanishes this long after it is set (a ban for a duration). Absent: permanent. */
  durationMs?: number
}

/** The initial rules, as plain JSON. */
export interface RuleGaterRules {
  allowPeers?: readonly string[]
  denyPeers?: readonly string[]
  allowCidrs?: readonly string[]
  denyCidrs?: readonly string[]
  allowAddrs?: readonly string[]
  denyAddrs?: readonly string[]
}

/** Options of {@link RuleGater}. */
export interface RuleGaterInit {
  /** Milliseconds; the wall clock by default, so that `expiresAt` values are dates. */
  clock?: Clock
  rules?: RuleGaterRules
}

/** Defaults of {@link RuleGaterInit}. */
export const ruleGaterDefaults = {
  clock: (): number => Date.now(),
} as const

/** One live rule, as listed by {@link RuleGater.rules}. */
export interface RuleRecord {
  readonly kind: 'peer' | 'cidr' | 'addr'
  readonly action: RuleAction
  /** The peer id, canonical CIDR or canonical multiaddr. */
  readonly value: string
  /** When the rule vanishes (clock milliseconds); absent: permanent. */
  readonly expiresAt?: number
}

function checkDuration(options: RuleOptions | undefined): number | undefined {
  const d = options?.durationMs
  if (d === undefined) return undefined
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
    throw new RangeError(`durationMs must be a positive finite number (got ${String(d)})`)
  }
  return d
}

function peerKey(peer: PeerId | string): string {
  if (typeof peer === 'string') {
    if (peer === '') throw new TypeError('peer id must not be empty')
    return peer
  }
  if (peer === null || typeof peer !== 'object' || typeof peer.toString !== 'function') {
    throw new TypeError('peer must be a PeerId or its string form')
  }
  return peer.toString()
}

function addrKey(addr: Multiaddr | string): string {
  try {
    return (typeof addr === 'string' ? multiaddr(addr) : addr).toString()
  } catch (err) {
    throw new RangeError(`"${String(addr)}" is not a valid multiaddr: ${(err as Error).message}`)
  }
}

/** The IP (text) of a multiaddr's first component, if it is /ip4 or /ip6 (after an /ip6zone). */
function ipOf(addr: Multiaddr): string | undefined {
  for (const c of addr.getComponents()) {
    if (c.name === 'ip6zone') continue
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined) return c.value
    return undefined
  }
  return undefined
}

function until(expiresAt: number | undefined): string {
  return expiresAt === undefined ? '' : ` until ${new Date(expiresAt).toISOString()}`
}

/** The rule-based gater. Mutators may be called at any time. */
export class RuleGater implements ConnectionGater {
  readonly #clock: Clock
  readonly #peers: ExpiringMap<string, RuleAction>
  readonly #addrs: ExpiringMap<string, RuleAction>
  readonly #cidrs = new CidrTable<{ action: RuleAction; expiresAt: number | undefined }>()

  constructor(init: RuleGaterInit = {}) {
    this.#clock = init.clock ?? ruleGaterDefaults.clock
    this.#peers = new ExpiringMap(this.#clock)
    this.#addrs = new ExpiringMap(this.#clock)
    const r = init.rules ?? {}
    for (const [k, v] of Object.entries(r)) {
      if (!['allowPeers', 'denyPeers', 'allowCidrs', 'denyCidrs', 'allowAddrs', 'denyAddrs'].includes(k)) {
        throw new TypeError(`RuleGater rules: unknown key "${k}"`)
      }
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
        throw new TypeError(`RuleGater rules: "${k}" must be an array of strings`)
      }
    }
    for (const p of r.allowPeers ?? []) this.allowPeer(p)
    for (const p of r.denyPeers ?? []) this.denyPeer(p)
    for (const c of r.allowCidrs ?? []) this.allowCidr(c)
    for (const c of r.denyCidrs ?? []) this.denyCidr(c)
    for (const a of r.allowAddrs ?? []) this.allowAddr(a)
    for (const a of r.denyAddrs ?? []) this.denyAddr(a)
  }

  /** Admit `peer` (overrides address and CIDR rules once its id is known). Replaces its deny rule. */
  allowPeer(peer: PeerId | string, options?: RuleOptions): void {
    this.#peers.set(peerKey(peer), 'allow', checkDuration(options))
  }

  /** Refuse `peer`; with `durationMs`, a ban that expires. Replaces its allow rule. */
  denyPeer(peer: PeerId | string, options?: RuleOptions): void {
    this.#peers.set(peerKey(peer), 'deny', checkDuration(options))
  }

  /** Ban `peer` for `durationMs`. */
  banPeer(peer: PeerId | string, durationMs: number): void {
    this.denyPeer(peer, { durationMs })
  }

  /** Remove any rule for `peer`. */
  forgetPeer(peer: PeerId | string): boolean {
    return this.#peers.delete(peerKey(peer))
  }

  /** Admit addresses in `cidr` (`10.1.0.0/16`, `2001:db8::/32`, a bare address). */
  allowCidr(cidr: string, options?: RuleOptions): void {
    this.#setCidr(cidr, 'allow', options)
  }

  /** Refuse addresses in `cidr`; with `durationMs`, a ban that expires. */
  denyCidr(cidr: string, options?: RuleOptions): void {
    this.#setCidr(cidr, 'deny', options)
  }

  #setCidr(cidr: string, action: RuleAction, options: RuleOptions | undefined): void {
    const block = parseCidrBlock(cidr)
    const ttl = checkDuration(options)
    this.#cidrs.set(block, { action, expiresAt: ttl === undefined ? undefined : this.#clock() + ttl })
  }

  /** Remove the rule for `cidr` (written in any equivalent form: `10.1.2.3/8` is `10.0.0.0/8`). */
  forgetCidr(cidr: string): boolean {
    return this.#cidrs.delete(parseCidrBlock(cidr))
  }

  /** Admit `addr` and every address it is a prefix of (`/ip4/1.2.3.4/tcp/1` covers `…/p2p/…`). */
  allowAddr(addr: Multiaddr | string, options?: RuleOptions): void {
    this.#addrs.set(addrKey(addr), 'allow', checkDuration(options))
  }

  /** Refuse `addr` and every address it is a prefix of. */
  denyAddr(addr: Multiaddr | string, options?: RuleOptions): void {
    this.#addrs.set(addrKey(addr), 'deny', checkDuration(options))
  }

  /** Remove the rule for `addr`. */
  forgetAddr(addr: Multiaddr | string): boolean {
    return this.#addrs.delete(addrKey(addr))
  }

  /** The live rules (expired ones have vanished). */
  rules(): RuleRecord[] {
    const out: RuleRecord[] = []
    const push = (
      kind: RuleRecord['kind'],
      value: string,
      action: RuleAction,
      expiresAt: number | undefined,
    ) => out.push(expiresAt === undefined ? { kind, action, value } : { kind, action, value, expiresAt })
    for (const [k, a, e] of this.#peers.entries()) push('peer', k, a, e)
    const now = this.#clock()
    for (const { block, value } of this.#cidrs.entries()) {
      if (value.expiresAt !== undefined && value.expiresAt <= now) this.#cidrs.delete(block)
      else push('cidr', block.key, value.action, value.expiresAt)
    }
    for (const [k, a, e] of this.#addrs.entries()) push('addr', k, a, e)
    return out
  }

  interceptPeerDial(peer: PeerId): GateVerdict {
    return this.#decide(peer, undefined)
  }

  interceptAddrDial(peer: PeerId | undefined, addr: Multiaddr): GateVerdict {
    return this.#decide(peer, addr)
  }

  interceptAccept(addrs: ConnectionAddrs): GateVerdict {
    return this.#decide(undefined, addrs.remoteAddr)
  }

  interceptSecured(conn: SecuredConnectionInfo): GateVerdict {
    return this.#decide(conn.remotePeer, conn.remoteAddr)
  }

  interceptUpgraded(conn: UpgradedConnectionInfo): GateVerdict {
    return this.#decide(conn.remotePeer, conn.remoteAddr)
  }

  /** The most specific matching rule decides; see the module comment. */
  #decide(peer: PeerId | undefined, addr: Multiaddr | undefined): GateVerdict {
    if (peer !== undefined) {
      const id = peer.toString()
      const rule = this.#peers.get(id)
      if (rule !== undefined) {
        return rule.value === 'allow' ? ALLOW : deny(`peer ${id} is denied${until(rule.expiresAt)}`)
      }
    }
    if (addr === undefined) return ALLOW
    const text = addr.toString()
    // Longest multiaddr prefix first: try the whole address, then shorter prefixes.
    for (let end = text.length; end > 0; end = text.lastIndexOf('/', end - 1)) {
      const prefix = text.slice(0, end)
      const rule = this.#addrs.get(prefix)
      if (rule !== undefined) {
        return rule.value === 'allow'
          ? ALLOW
          : deny(`address ${text} matches denied ${prefix}${until(rule.expiresAt)}`)
      }
    }
    const ip = ipOf(addr)
    if (ip === undefined) return ALLOW
    const now = this.#clock()
    const hit = this.#cidrs.find(ipToBytes(ip), (block, rule) => {
      if (rule.expiresAt !== undefined && rule.expiresAt <= now) {
        this.#cidrs.delete(block)
        return false
      }
      return true
    })
    if (hit === undefined || hit.value.action === 'allow') return ALLOW
    return deny(`address ${ip} is in denied ${hit.block.key}${until(hit.value.expiresAt)}`)
  }
}
