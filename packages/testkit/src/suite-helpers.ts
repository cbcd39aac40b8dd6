/**
 * Small helpers for tests over the byte-stream contract: a recording sink that
 * checks the reader's side of the contract as it goes, close/EOF promises, and a
 * wait for "nothing more will happen" that works for real sockets too.
 */
import type { ByteSink, ByteStream } from '@switchyard/interface'

/**
 * A sink that records what it receives and the contract violations it sees
 * (empty chunks, data after EOF, a second EOF). Chunks are kept as handed over.
 */
export class RecordingSink implements ByteSink {
  readonly chunks: Uint8Array[] = []
  readonly violations: string[] = []
  /** Bytes received so far. */
  length = 0
  ended = false
  #waiters: Array<{ bytes: number; resolve: () => void }> = []
  #endWaiters: Array<() => void> = []

  onData(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) this.violations.push('onData with a non-Uint8Array')
    else if (chunk.byteLength === 0) this.violations.push('onData with an empty chunk')
    if (this.ended) this.violations.push('onData after onEnd')
    this.chunks.push(chunk)
    this.length += chunk.byteLength
    if (this.#waiters.length > 0) {
      this.#waiters = this.#waiters.filter((w) => {
        if (this.length < w.bytes) return true
        w.resolve()
        return false
      })
    }
  }

  onEnd(): void {
    if (this.ended) this.violations.push('onEnd called twice')
    this.ended = true
    for (const w of this.#endWaiters) w()
    this.#endWaiters = []
  }

  /** Resolves once at least `bytes` bytes have arrived. */
  untilBytes(bytes: number): Promise<void> {
    if (this.length >= bytes) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }))
  }

  /** Resolves at EOF. */
  untilEnd(): Promise<void> {
    if (this.ended) return Promise.resolve()
    return new Promise((resolve) => this.#endWaiters.push(resolve))
  }

  /** Everything received, joined. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length)
    let offset = 0
    for (const c of this.chunks) {
      out.set(c, offset)
      offset += c.byteLength
    }
    return out
  }
}

/** Resolves with the error (or `undefined`) `stream` closes with. */
export function whenClosed(stream: ByteStream): Promise<Error | undefined> {
  return new Promise((resolve) => stream.onceClosed(resolve))
}

/**
 * Waits until nothing more is going to happen on its own: a few macrotask turns,
 * then `ms` of wall time, then a few more turns. Used only to check that something
 * does NOT happen (no drain while nobody reads); never to assert how long anything took.
 */
export async function settle(ms = 0): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
  if (ms > 0) await new Promise<void>((r) => setTimeout(r, ms))
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Index of the first byte where `a` and `b` differ, or -1 if they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.byteLength === b.byteLength ? -1 : n
}
