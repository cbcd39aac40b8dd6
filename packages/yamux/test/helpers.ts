import type { MemoryAccount, MuxedStream } from '@switchyard/interface'
import { type DuplexPairInit, duplexPair, type MemoryStream } from '@switchyard/testkit'
import type { Clock } from '../src/clock.js'
import type { YamuxInit } from '../src/config.js'
import type { YamuxSession } from '../src/session.js'
import { createYamux } from '../src/yamux.js'

/** A clock driven by hand: `advance(ms)` runs due timers in order. */
export class FakeClock implements Clock {
  #now = 0
  #seq = 0
  #timers = new Map<number, { at: number; cb: () => void }>()
  now(): number {
    return this.#now
  }
  setTimeout(cb: () => void, ms: number): unknown {
    const id = ++this.#seq
    this.#timers.set(id, { at: this.#now + ms, cb })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }
  get pending(): number {
    return this.#timers.size
  }
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      let next: [number, { at: number; cb: () => void }] | undefined
      for (const e of this.#timers)
        if (e[1].at <= target && (next === undefined || e[1].at < next[1].at)) next = e
      if (next === undefined) break
      this.#timers.delete(next[0])
      this.#now = next[1].at
      next[1].cb()
    }
    this.#now = target
  }
}

/** A counting memory account with a limit. */
export class Account implements MemoryAccount {
  used = 0
  peak = 0
  constructor(readonly limit = Number.POSITIVE_INFINITY) {}
  reserveMemory(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false
    this.used += bytes
    this.peak = Math.max(this.peak, this.used)
    return true
  }
  releaseMemory(bytes: number): void {
    this.used -= bytes
    if (this.used < 0) throw new Error('released more than reserved')
  }
}

export interface Pair {
  client: YamuxSession
  server: YamuxSession
  clientChannel: MemoryStream
  serverChannel: MemoryStream
  accepted: MuxedStream[]
  clientAccepted: MuxedStream[]
}

/** A client and a server session over an in-memory duplex pair. */
export function sessionPair(
  init: YamuxInit = {},
  pairInit: DuplexPairInit = {},
  serverInit: YamuxInit = init,
): Pair {
  const [a, b] = duplexPair(pairInit)
  const accepted: MuxedStream[] = []
  const clientAccepted: MuxedStream[] = []
  const client = createYamux({ keepAliveIntervalMs: 0, ...init }).createSession(a, {
    direction: 'outbound',
    onStream: (s) => clientAccepted.push(s),
  })
  const server = createYamux({ keepAliveIntervalMs: 0, ...serverInit }).createSession(b, {
    direction: 'inbound',
    onStream: (s) => accepted.push(s),
  })
  return { client, server, clientChannel: a, serverChannel: b, accepted, clientAccepted }
}

/** Lets queued microtasks and I/O callbacks run. */
export function tick(n = 5): Promise<void> {
  return new Promise((resolve) => {
    let i = 0
    const step = () => (++i >= n ? resolve() : setImmediate(step))
    setImmediate(step)
  })
}

export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Byte equality without vitest's slow element-wise diff. */
export function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}
