/**
 * Black-hole detection (go-libp2p `p2p/net/swarm/black_hole_detector.go`): a class of
 * addresses that keeps failing, e.g. IPv6 on a host without an IPv6 route or UDP behind a
 * firewall that drops it, is skipped, so that every dial does not waste an attempt (and a
 * stagger delay) on it. The last `windowSize` outcomes of each class are kept; with fewer
 * than `minSuccesses` successes among them the class is blocked, and then only every
 * `probeInterval`-th dial request that would use it is let through as a probe, whose
 * outcome can unblock the class.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { classifyAddr } from './addr-class.js'

/** A class of addresses tracked together. */
export interface BlackHoleClass {
  readonly name: string
  matches(addr: Multiaddr): boolean
}

/** Public IPv6 and public UDP addresses: the classes go-libp2p tracks. */
export const defaultBlackHoleClasses: readonly BlackHoleClass[] = [
  {
    name: 'ipv6',
    matches: (addr) => {
      const c = classifyAddr(addr)
      return !c.relayed && c.family === 6 && c.scope === 'public'
    },
  },
  {
    name: 'udp',
    matches: (addr) => {
      const c = classifyAddr(addr)
      return !c.relayed && c.udp && c.scope === 'public'
    },
  },
]

/** Black-hole detection settings. */
export interface BlackHoleInit {
  /** Outcomes remembered per class. Default 100. */
  windowSize?: number
  /** Fewer successes than this in a full window blocks the class. Default 5. */
  minSuccesses?: number
  /** While blocked, one in this many dial requests is allowed as a probe. Default 100. */
  probeInterval?: number
  /** The classes. Default {@link defaultBlackHoleClasses}. */
  classes?: readonly BlackHoleClass[]
}

/** The defaults of `BlackHoleInit`. */
export const blackHoleDefaults = {
  windowSize: 100,
  minSuccesses: 5,
  probeInterval: 100,
  classes: defaultBlackHoleClasses,
} as const satisfies Required<BlackHoleInit>

/** The state of one class. `probing`: fewer than `windowSize` outcomes yet, allowed. */
export type BlackHoleState = 'probing' | 'allowed' | 'blocked'

/** Validates `init` and fills in defaults. */
export function validateBlackHoleInit(init: BlackHoleInit = {}): Required<BlackHoleInit> {
  const config = {
    windowSize: init.windowSize ?? blackHoleDefaults.windowSize,
    minSuccesses: init.minSuccesses ?? blackHoleDefaults.minSuccesses,
    probeInterval: init.probeInterval ?? blackHoleDefaults.probeInterval,
    classes: init.classes ?? blackHoleDefaults.classes,
  }
  for (const key of ['windowSize', 'probeInterval'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) {
      throw new RangeError(`BlackHoleInit.${key} must be an integer >= 1, got ${String(config[key])}`)
    }
  }
  if (!Number.isInteger(config.minSuccesses) || config.minSuccesses < 0) {
    throw new RangeError(`BlackHoleInit.minSuccesses must be an integer >= 0`)
  }
  if (config.minSuccesses > config.windowSize) {
    throw new RangeError('BlackHoleInit.minSuccesses must be <= windowSize')
  }
  return config
}

class ClassState {
  readonly window: Uint8Array
  next = 0
  count = 0
  successes = 0
  requests = 0

  constructor(size: number) {
    this.window = new Uint8Array(size)
  }

  record(ok: boolean): void {
    const size = this.window.length
    if (this.count === size) this.successes -= this.window[this.next] as number
    else this.count++
    this.window[this.next] = ok ? 1 : 0
    if (ok) this.successes++
    this.next = (this.next + 1) % size
  }
}

/** Tracks outcomes per class and filters addresses of blocked classes. */
export class BlackHoleDetector {
  readonly #config: Required<BlackHoleInit>
  readonly #states: Map<string, ClassState>

  constructor(init: BlackHoleInit = {}) {
    this.#config = validateBlackHoleInit(init)
    this.#states = new Map(this.#config.classes.map((c) => [c.name, new ClassState(this.#config.windowSize)]))
  }

  /** The state of the class named `name` (`undefined` for an unknown class). */
  state(name: string): BlackHoleState | undefined {
    const s = this.#states.get(name)
    if (s === undefined) return undefined
    return this.#stateOf(s)
  }

  /**
   * Splits `addrs` of one dial request into allowed and blocked. Counts the request once per
   * blocked class it touches; every `probeInterval`-th such request is a probe and passes.
   */
  filter(addrs: readonly Multiaddr[]): { allowed: Multiaddr[]; blocked: Multiaddr[] } {
    const classes = this.#config.classes
    const blockedNow = new Set<string>()
    const touched = new Set<string>()
    const matches = addrs.map((a) => classes.filter((c) => c.matches(a)).map((c) => c.name))
    for (const names of matches) for (const n of names) touched.add(n)
    for (const n of touched) {
      const s = this.#states.get(n) as ClassState
      if (this.#stateOf(s) !== 'blocked') continue
      s.requests++
      if (s.requests % this.#config.probeInterval !== 0) blockedNow.add(n)
    }
    const allowed: Multiaddr[] = []
    const blocked: Multiaddr[] = []
    addrs.forEach((a, i) => {
      if ((matches[i] as string[]).some((n) => blockedNow.has(n))) blocked.push(a)
      else allowed.push(a)
    })
    return { allowed, blocked }
  }

  /** Records the outcome of a finished (not cancelled) attempt on `addr`. */
  record(addr: Multiaddr, ok: boolean): void {
    for (const c of this.#config.classes) {
      if (!c.matches(addr)) continue
      const s = this.#states.get(c.name) as ClassState
      s.record(ok)
      if (ok) s.requests = 0
    }
  }

  #stateOf(s: ClassState): BlackHoleState {
    if (s.count < this.#config.windowSize) return 'probing'
    return s.successes < this.#config.minSuccesses ? 'blocked' : 'allowed'
  }
}
