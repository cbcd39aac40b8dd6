/**
 * The protocol registry (seed 002 "Protocol Handlers"): handlers by protocol id, with
 * exact matching and optional semantic-version matching (same major version, seed 002
 * "Protocol Matching"), per-protocol stream limits, and per-connection protocol sets
 * (seed 000 "Supported protocols": a node MAY offer different protocols on different
 * connections and MAY add or revoke them at any time, so the set is consulted for
 * every proposal, never cached).
 */
import type { StreamHandler } from '@switchyard/interface'
import { SwitchError } from './errors.js'
import type { ConnInfo } from './events.js'

/** Options of `Switch.handle`. */
export interface HandleOptions {
  /**
   * Also accept proposals of the same protocol name with another version of the same
   * major (`/kad/1.3.0` for a handler of `/kad/1.0.0`). Exact matches always win.
   * Default false.
   */
  semver?: boolean
  /** Inbound streams of this protocol open at once on one connection; more are reset. Default 32. */
  maxInboundStreams?: number
  /** Outbound streams of this protocol open at once on one connection; more are refused. Default 64. */
  maxOutboundStreams?: number
  /**
   * Offer the protocol only on connections for which this returns true. Called for
   * every proposal (keep it cheap), so its answer may change at runtime. Default: all.
   */
  offer?: (conn: ConnInfo) => boolean
  /** Replace an existing registration instead of failing with `SWITCH_PROTOCOL_REGISTERED`. */
  force?: boolean
}

/** The defaults of `HandleOptions` (js-libp2p's registrar uses the same numbers). */
export const handleDefaults = {
  maxInboundStreams: 32,
  maxOutboundStreams: 64,
} as const

/** One registered handler. */
export interface Registration {
  readonly protocol: string
  readonly handler: StreamHandler
  readonly semver: boolean
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly offer: ((conn: ConnInfo) => boolean) | undefined
}

/** A protocol id split into a name and a semantic version, for semver matching. */
interface Versioned {
  /** Everything before the version segment, with the major: `/ipfs/kad/1`. */
  readonly key: string
  readonly minor: number
  readonly patch: number
}

const VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?$/

/** Splits `/name/.../MAJOR.MINOR[.PATCH]`; `undefined` when the last segment is no version. */
export function parseVersioned(protocol: string): Versioned | undefined {
  const slash = protocol.lastIndexOf('/')
  if (slash <= 0) return undefined
  const m = VERSION.exec(protocol.slice(slash + 1))
  if (m === null) return undefined
  return {
    key: `${protocol.slice(0, slash)}/${m[1]}`,
    minor: Number(m[2]),
    patch: m[3] === undefined ? 0 : Number(m[3]),
  }
}

function checkLimit(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`HandleOptions.${name} must be an integer >= 0`)
  return v
}

/** Handlers by protocol; see the module comment. */
export class ProtocolRegistry {
  readonly #exact = new Map<string, Registration>()
  /** Semver registrations by `name/major`, highest version first. */
  readonly #semver = new Map<string, Registration[]>()

  /** Registers `handler` for `protocol`. */
  add(protocol: string, handler: StreamHandler, options: HandleOptions = {}): Registration {
    if (typeof protocol !== 'string' || protocol.length === 0)
      throw new TypeError('protocol must be a non-empty string')
    if (typeof handler !== 'function') throw new TypeError('handler must be a function')
    if (options.offer !== undefined && typeof options.offer !== 'function') {
      throw new TypeError('HandleOptions.offer must be a function')
    }
    const semver = options.semver === true
    const versioned = semver ? parseVersioned(protocol) : undefined
    if (semver && versioned === undefined) {
      throw new TypeError(`semver matching needs a protocol ending in MAJOR.MINOR.PATCH, got ${protocol}`)
    }
    if (this.#exact.has(protocol)) {
      if (options.force !== true) {
        throw new SwitchError('SWITCH_PROTOCOL_REGISTERED', `a handler of ${protocol} is already registered`)
      }
      this.remove(protocol)
    }
    const reg: Registration = {
      protocol,
      handler,
      semver,
      maxInboundStreams: checkLimit(
        'maxInboundStreams',
        options.maxInboundStreams ?? handleDefaults.maxInboundStreams,
      ),
      maxOutboundStreams: checkLimit(
        'maxOutboundStreams',
        options.maxOutboundStreams ?? handleDefaults.maxOutboundStreams,
      ),
      offer: options.offer,
    }
    this.#exact.set(protocol, reg)
    if (versioned !== undefined) {
      const list = this.#semver.get(versioned.key) ?? []
      list.push(reg)
      list.sort((a, b) => compareVersions(parseVersioned(b.protocol)!, parseVersioned(a.protocol)!))
      this.#semver.set(versioned.key, list)
    }
    return reg
  }

  /** Unregisters `protocol`. Returns true if it was registered. */
  remove(protocol: string): boolean {
    const reg = this.#exact.get(protocol)
    if (reg === undefined) return false
    this.#exact.delete(protocol)
    if (reg.semver) {
      const key = parseVersioned(protocol)!.key
      const list = this.#semver.get(key)!.filter((r) => r !== reg)
      if (list.length === 0) this.#semver.delete(key)
      else this.#semver.set(key, list)
    }
    return true
  }

  /** The registered protocol ids. */
  protocols(): string[] {
    return [...this.#exact.keys()]
  }

  /** The registration of exactly `protocol`. */
  get(protocol: string): Registration | undefined {
    return this.#exact.get(protocol)
  }

  /**
   * The registration that serves a proposal of `protocol`, ignoring per-connection
   * sets: the exact one, else (semver) the highest registered version of the same major.
   */
  resolve(protocol: string): Registration | undefined {
    const exact = this.#exact.get(protocol)
    if (exact !== undefined) return exact
    if (this.#semver.size === 0) return undefined
    const v = parseVersioned(protocol)
    return v === undefined ? undefined : this.#semver.get(v.key)?.[0]
  }

  /**
   * The registration that serves `protocol` on one connection: {@link resolve}, then the
   * connection's own set (`offered`, undefined = everything registered) and the
   * handler's `offer` predicate (skipped while `conn` is not known yet: the upgrade has
   * not returned; the switch checks it again before dispatching).
   */
  match(
    protocol: string,
    conn: ConnInfo | undefined,
    offered: ReadonlySet<string> | undefined,
  ): Registration | undefined {
    const reg = this.resolve(protocol)
    if (reg === undefined) return undefined
    if (offered !== undefined && !offered.has(reg.protocol)) return undefined
    if (reg.offer !== undefined && conn !== undefined && !safeOffer(reg.offer, conn)) return undefined
    return reg
  }
}

function safeOffer(offer: (conn: ConnInfo) => boolean, conn: ConnInfo): boolean {
  try {
    return offer(conn) === true
  } catch {
    // A predicate that throws offers nothing; it must not break the negotiation.
    return false
  }
}

function compareVersions(a: Versioned, b: Versioned): number {
  return a.minor - b.minor || a.patch - b.patch
}
