import type { PeerId } from '@switchyard/interface'

/** A stand-in peer id: only `toString` and `equals` matter to resource scopes. */
export function fakePeer(name: string): PeerId {
  const bytes = new TextEncoder().encode(name)
  return {
    bytes,
    toString: () => name,
    equals: (other: PeerId) => other.toString() === name,
  }
}

/** A manual clock in milliseconds. */
export function fakeClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => void (t += ms) }
}

/** Autoscale inputs pinned so that limits do not depend on the machine (budget 1 GiB). */
export const PINNED = { memoryBytes: 8 * 1024 ** 3, fdLimit: 1024 } as const
