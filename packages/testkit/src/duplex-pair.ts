/**
 * An in-memory pair of connected byte streams implementing the contract, with
 * knobs for the conditions real networks create: chunks split at arbitrary points,
 * latency, throttling, and injected faults (reset, stall, garbage).
 */
import { ByteStreamBase, StreamError } from '@switchyard/interface'

/** Options of `duplexPair`. */
export interface DuplexPairInit {
  /** Write buffer high-water mark per side, bytes. Default 64 KiB. */
  writableHighWaterMark?: number
  /** Read buffer high-water mark per side, bytes. Default 64 KiB. */
  readableHighWaterMark?: number
  /**
   * Splits every written chunk before delivery. A number is a maximum chunk size;
   * a function returns the pieces (their concatenation must equal the input).
   */
  split?: number | ((chunk: Uint8Array) => Uint8Array[])
  /** Delay every delivery by this many ms (macrotask); 0 = next microtask. */
  latencyMs?: number
}

/** One end of a `duplexPair`. */
export class MemoryStream extends ByteStreamBase {
  peer!: MemoryStream
  readonly name: string
  #out: Uint8Array[] = []
  #outBytes = 0
  #endQueued = false
  #stalled = false
  #pumpScheduled = false
  readonly #writableHwm: number
  readonly #split: DuplexPairInit['split']
  readonly #latencyMs: number
  /** Bytes this side has written in total (for tests that count). */
  bytesWritten = 0

  constructor(name: string, init: DuplexPairInit) {
    super(init)
    this.name = name
    this.#writableHwm = init.writableHighWaterMark ?? 64 * 1024
    this.#split = init.split
    this.#latencyMs = init.latencyMs ?? 0
  }

  protected _write(chunk: Uint8Array): boolean {
    this.bytesWritten += chunk.byteLength
    for (const piece of this.#pieces(chunk)) {
      this.#out.push(piece)
      this.#outBytes += piece.byteLength
    }
    this.#schedulePump()
    return this.#outBytes < this.#writableHwm
  }

  protected _end(): void {
    this.#endQueued = true
    this.#schedulePump()
  }

  protected _destroy(err: Error | undefined): void {
    this.#out = []
    this.#outBytes = 0
    // A graceful close (EOF both ways) leaves the peer alone; anything else is a
    // reset for the other side.
    const peer = this.peer
    if (!(this.#eofSent && this.#eofReceived) && !peer.closed) {
      queueMicrotask(() =>
        peer.finish(err ?? new StreamError('STREAM_RESET', `${this.name} reset the stream`)),
      )
    }
  }

  protected override _readMore(): void {
    this.peer.#schedulePump()
  }

  /** Receive-side entry for the peer's pump: returns false when we are full. */
  #receive(chunk: Uint8Array): boolean {
    return this.push(chunk)
  }

  /** Stop moving bytes from this side to the peer until `unstall()`. */
  stall(): void {
    this.#stalled = true
  }
  unstall(): void {
    this.#stalled = false
    this.#schedulePump()
  }
  /** Deliver `bytes` to the peer as if this side had sent them (bypasses any protocol). */
  injectRaw(bytes: Uint8Array): void {
    this.#out.push(bytes)
    this.#outBytes += bytes.byteLength
    this.#schedulePump()
  }
  /** Reset the connection from this side: both ends close with `STREAM_RESET` on the peer. */
  reset(): void {
    this.destroy(new StreamError('STREAM_RESET', `${this.name} reset the stream`))
  }

  #pieces(chunk: Uint8Array): Uint8Array[] {
    const split = this.#split
    if (split === undefined) return [chunk]
    if (typeof split === 'function') return split(chunk)
    const pieces: Uint8Array[] = []
    for (let i = 0; i < chunk.byteLength; i += split) pieces.push(chunk.subarray(i, i + split))
    return pieces
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.closed) return
    this.#pumpScheduled = true
    const run = () => {
      this.#pumpScheduled = false
      this.#pump()
    }
    if (this.#latencyMs > 0) setTimeout(run, this.#latencyMs)
    else queueMicrotask(run)
  }

  #pump(): void {
    if (this.#stalled || this.closed) return
    const peer = this.peer
    const wasFull = this.#outBytes >= this.#writableHwm
    while (this.#out.length > 0 && !peer.closed) {
      const chunk = this.#out.shift()!
      this.#outBytes -= chunk.byteLength
      if (!peer.#receive(chunk)) break
    }
    if (this.#out.length === 0 && this.#endQueued && !peer.closed) {
      this.#endQueued = false
      this.#eofSent = true
      peer.#eofReceived = true
      peer.pushEnd()
      this.#finishIfDone()
      peer.#finishIfDone()
    }
    if (wasFull && this.#outBytes < this.#writableHwm) this.emitDrain()
  }

  #eofSent = false
  #eofReceived = false
  #finishIfDone(): void {
    if (this.#eofSent && this.#eofReceived) this.finish()
  }
}

/** Two connected in-memory byte streams. */
export function duplexPair(init: DuplexPairInit = {}): [MemoryStream, MemoryStream] {
  const a = new MemoryStream('a', init)
  const b = new MemoryStream('b', init)
  a.peer = b
  b.peer = a
  return [a, b]
}
