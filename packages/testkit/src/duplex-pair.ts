/**
 * An in-memory pair of connected byte streams implementing the contract of
 * `@switchyard/interface` (`ByteStream`, see byte-stream.ts), with knobs for the
 * conditions real networks create: chunks split at arbitrary points, latency,
 * throttling, and injected faults (reset, stall, garbage, corrupted bytes).
 *
 * Each side keeps an outgoing queue of pieces (a written chunk, split as asked) and
 * a pump that moves them into the peer's read buffer (`ByteStreamBase.push`). The
 * pump stops when the peer's read buffer is full and restarts when the peer's reader
 * drained it (`_readMore`), so a reader that does not read stops the writer: its
 * outgoing queue grows past the write high-water mark, `write()` returns `false`,
 * and drain only fires once the reader reads again.
 */
import { ByteStreamBase, StreamError } from '@switchyard/interface'

/** Options of `duplexPair` (per side). */
export interface DuplexPairInit {
  /** Write buffer high-water mark per side, bytes. Default 64 KiB. */
  writableHighWaterMark?: number
  /** Read buffer high-water mark per side, bytes. Default 64 KiB. */
  readableHighWaterMark?: number
  /**
   * Splits every written chunk before delivery. A number is a maximum piece size;
   * a function returns the pieces (their concatenation must equal the input).
   */
  split?: number | ((chunk: Uint8Array) => Uint8Array[])
  /** Delay every piece (and the EOF) by this many ms after its write; 0 = next microtask. */
  latencyMs?: number
  /** Throttle this side's sending to this many bytes per second. Default: unthrottled. */
  bytesPerSecond?: number
  /** How often a throttled side sends its allowance, ms. Default 10. */
  throttleTickMs?: number
}

/** The defaults of `DuplexPairInit`. */
export const duplexPairDefaults = {
  writableHighWaterMark: 64 * 1024,
  readableHighWaterMark: 64 * 1024,
  latencyMs: 0,
  bytesPerSecond: Number.POSITIVE_INFINITY,
  throttleTickMs: 10,
} as const

/** Checks `init`, throwing `TypeError`/`RangeError` for bad values. */
export function validateDuplexPairInit(init: DuplexPairInit): void {
  const positive = (name: string, v: number | undefined, allowInfinity = false) => {
    if (v === undefined) return
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name} must be a number`)
    if (!(v > 0) || (!allowInfinity && !Number.isFinite(v))) {
      throw new RangeError(`${name} must be positive, got ${v}`)
    }
  }
  positive('writableHighWaterMark', init.writableHighWaterMark)
  positive('readableHighWaterMark', init.readableHighWaterMark)
  positive('bytesPerSecond', init.bytesPerSecond, true)
  positive('throttleTickMs', init.throttleTickMs)
  if (init.latencyMs !== undefined && !(init.latencyMs >= 0 && Number.isFinite(init.latencyMs))) {
    throw new RangeError(`latencyMs must be >= 0, got ${init.latencyMs}`)
  }
  const split = init.split
  if (split !== undefined && typeof split !== 'function') {
    if (!Number.isSafeInteger(split) || split < 1)
      throw new RangeError(`split must be an integer >= 1, got ${split}`)
  }
}

/** An entry of the outgoing queue: a piece of data or the EOF, due at `due` (ms, Date.now()). */
interface OutEntry {
  chunk: Uint8Array | null
  due: number
}

/** One end of a `duplexPair`. */
export class MemoryStream extends ByteStreamBase {
  /** `'a'` or `'b'`, for messages. */
  readonly name: string
  /** Bytes the application has written on this side (accepted by `write()`). */
  bytesWritten = 0
  /** Bytes this side has moved into the peer's read buffer. */
  bytesSent = 0

  #peer: MemoryStream | undefined
  #out: OutEntry[] = []
  #outHead = 0
  #outBytes = 0
  #stalled = false
  #pumpScheduled = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #eofSent = false
  #eofReceived = false
  #tokens = 0
  #tokensAt = 0
  #resetAt = Number.POSITIVE_INFINITY
  #corruptions: Array<{ offset: number; mask: number }> = []
  readonly #writableHwm: number
  readonly #split: DuplexPairInit['split']
  readonly #latencyMs: number
  readonly #bytesPerSecond: number
  readonly #tickMs: number

  constructor(name: string, init: DuplexPairInit = {}) {
    validateDuplexPairInit(init)
    super({ readableHighWaterMark: init.readableHighWaterMark ?? duplexPairDefaults.readableHighWaterMark })
    this.name = name
    this.#writableHwm = init.writableHighWaterMark ?? duplexPairDefaults.writableHighWaterMark
    this.#split = init.split
    this.#latencyMs = init.latencyMs ?? duplexPairDefaults.latencyMs
    this.#bytesPerSecond = init.bytesPerSecond ?? duplexPairDefaults.bytesPerSecond
    this.#tickMs = init.throttleTickMs ?? duplexPairDefaults.throttleTickMs
  }

  /** Connects two streams made with `new MemoryStream()`; `duplexPair()` does this for you. */
  static connect(a: MemoryStream, b: MemoryStream): void {
    if (a.#peer !== undefined || b.#peer !== undefined || a === b) throw new TypeError('already connected')
    a.#peer = b
    b.#peer = a
  }

  /** The other end. */
  get peer(): MemoryStream {
    if (this.#peer === undefined) throw new TypeError(`${this.name} is not connected`)
    return this.#peer
  }

  /** Bytes queued on this side and not yet moved to the peer. */
  get writableLength(): number {
    return this.#outBytes
  }

  // ---- faults -------------------------------------------------------------------

  /** Stop moving bytes from this side to the peer until `unstall()` (a half-open peer). */
  stall(): void {
    this.#stalled = true
  }

  /** Undo `stall()`. */
  unstall(): void {
    this.#stalled = false
    this.#schedulePump()
  }

  /**
   * Queue `bytes` for the peer as if this side had written them, after whatever is
   * already queued, bypassing `write()` and its backpressure. Bytes injected after
   * `end()` follow the EOF and are dropped by the peer, as a real stack would.
   */
  injectRaw(bytes: Uint8Array): void {
    if (this.closed) return
    this.#enqueue(bytes)
    this.#schedulePump()
  }

  /** Queue `length` pseudo-random bytes (deterministic for a `seed`) for the peer. */
  injectGarbage(length: number, seed = 1): Uint8Array {
    const bytes = garbage(length, seed)
    this.injectRaw(bytes.slice())
    return bytes
  }

  /**
   * XOR the byte at `offset` of this side's outgoing byte stream (counted from the
   * first byte ever sent) with `mask` as it passes to the peer: a corrupted byte.
   */
  corruptAt(offset: number, mask = 0x01): void {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError('offset must be a non-negative integer')
    if (!Number.isInteger(mask) || mask < 1 || mask > 255) throw new RangeError('mask must be in 1..255')
    this.#corruptions.push({ offset, mask })
  }

  /** Reset the connection once this side has sent `bytes` bytes in total (at once if it already has). */
  resetAfter(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new RangeError('bytes must be a non-negative integer')
    this.#resetAt = bytes
    if (this.bytesSent >= bytes) this.reset()
  }

  /** Reset the connection from this side: this side closes with `err` (default `STREAM_RESET`), the peer with `STREAM_RESET`. */
  reset(err?: Error): void {
    this.destroy(err ?? new StreamError('STREAM_RESET', `${this.name} reset the stream`))
  }

  // ---- ByteStreamBase hooks ---------------------------------------------------------

  protected _write(chunk: Uint8Array): boolean {
    this.bytesWritten += chunk.byteLength
    const split = this.#split
    if (split === undefined) {
      this.#enqueue(chunk)
    } else if (typeof split === 'number') {
      for (let i = 0; i < chunk.byteLength; i += split) this.#enqueue(chunk.subarray(i, i + split))
    } else {
      for (const piece of split(chunk)) this.#enqueue(piece)
    }
    this.#schedulePump()
    return this.#outBytes < this.#writableHwm
  }

  protected _end(): void {
    this.#out.push({ chunk: null, due: this.#due() })
    this.#schedulePump()
  }

  protected _destroy(err: Error | undefined): void {
    this.#out = []
    this.#outHead = 0
    this.#outBytes = 0
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    // A graceful close (EOF both ways) leaves the peer alone; anything else is a
    // reset for the other side, which travels with the link's latency.
    const peer = this.#peer
    if (peer === undefined || peer.closed || (this.#eofSent && this.#eofReceived)) return
    const resetPeer = () =>
      peer.finish(new StreamError('STREAM_RESET', `${this.name} reset the stream`, { cause: err }))
    if (this.#latencyMs > 0) setTimeout(resetPeer, this.#latencyMs)
    else queueMicrotask(resetPeer)
  }

  protected override _readMore(): void {
    const peer = this.#peer
    if (peer !== undefined) peer.#schedulePump()
  }

  // ---- the pump ---------------------------------------------------------------------

  #due(): number {
    return this.#latencyMs > 0 ? Date.now() + this.#latencyMs : 0
  }

  #enqueue(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    this.#out.push({ chunk, due: this.#due() })
    this.#outBytes += chunk.byteLength
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.closed) return
    this.#pumpScheduled = true
    queueMicrotask(() => {
      this.#pumpScheduled = false
      this.#pump()
    })
  }

  #scheduleTimer(delayMs: number): void {
    if (this.#timer !== undefined) return
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#pump()
      },
      Math.max(1, Math.ceil(delayMs)),
    )
  }

  #pump(): void {
    if (this.#stalled || this.closed) return
    const peer = this.peer
    const throttled = Number.isFinite(this.#bytesPerSecond)
    const now = this.#latencyMs > 0 || throttled ? Date.now() : 0
    if (throttled) {
      // Token bucket holding at most one tick's worth of bytes (at least 1 byte).
      const burst = Math.max(1, (this.#bytesPerSecond * this.#tickMs) / 1000)
      this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) * this.#bytesPerSecond) / 1000)
      this.#tokensAt = now
    }
    while (this.#outHead < this.#out.length && !peer.closed && !this.closed) {
      const entry = this.#out[this.#outHead]!
      if (entry.due > now) {
        this.#scheduleTimer(entry.due - now)
        break
      }
      if (entry.chunk === null) {
        this.#outHead++
        this.#eofSent = true
        peer.#eofReceived = true
        peer.pushEnd()
        this.#finishIfDone()
        peer.#finishIfDone()
        continue
      }
      let chunk = entry.chunk
      // Like a flow-control window: never more than the peer's read buffer has room
      // for. A full peer restarts us through `_readMore` once its reader drained it.
      const room = peer.readableHighWaterMark - peer.readableLength
      if (room <= 0) break
      let take = Math.min(chunk.byteLength, room, this.#resetAt - this.bytesSent)
      if (throttled) take = Math.min(take, Math.floor(this.#tokens))
      if (take <= 0) {
        if (this.bytesSent >= this.#resetAt) {
          this.reset()
          return
        }
        this.#scheduleTimer(this.#tickMs)
        break
      }
      if (take < chunk.byteLength) {
        entry.chunk = chunk.subarray(take)
        chunk = chunk.subarray(0, take)
      } else {
        this.#out[this.#outHead++] = EMPTY_ENTRY
      }
      if (throttled) this.#tokens -= take
      this.#outBytes -= take
      chunk = this.#corrupt(chunk)
      this.bytesSent += take
      const more = peer.push(chunk)
      if (this.bytesSent >= this.#resetAt) {
        this.reset()
        return
      }
      if (!more) break
    }
    if (this.closed) return
    if (this.#outHead === this.#out.length) {
      this.#out = []
      this.#outHead = 0
    } else if (this.#outHead > 1024 && this.#outHead * 2 > this.#out.length) {
      this.#out = this.#out.slice(this.#outHead)
      this.#outHead = 0
    }
    if (this.#outBytes < this.#writableHwm) this.emitDrain()
  }

  #corrupt(chunk: Uint8Array): Uint8Array {
    if (this.#corruptions.length === 0) return chunk
    const start = this.bytesSent
    const end = start + chunk.byteLength
    let out = chunk
    this.#corruptions = this.#corruptions.filter(({ offset, mask }) => {
      if (offset < start || offset >= end) return true
      // The writer handed the chunk over, but may still look at it in a test: copy.
      if (out === chunk) out = chunk.slice()
      out[offset - start]! ^= mask
      return false
    })
    return out
  }

  #finishIfDone(): void {
    if (this.#eofSent && this.#eofReceived) this.finish()
  }
}

const EMPTY_ENTRY: OutEntry = { chunk: new Uint8Array(0), due: 0 }

/**
 * Two connected in-memory byte streams. `init` applies to both sides unless `initB`
 * gives side `b` its own (e.g. throttle one direction only).
 */
export function duplexPair(
  init: DuplexPairInit = {},
  initB: DuplexPairInit = init,
): [MemoryStream, MemoryStream] {
  const a = new MemoryStream('a', init)
  const b = new MemoryStream('b', initB)
  MemoryStream.connect(a, b)
  return [a, b]
}

/**
 * A pair factory for `runByteStreamSuite`: a fresh `duplexPair(init, initB)` per test.
 * `runByteStreamSuite('mine', duplexPairFactory({ split: 1 }))`
 */
export function duplexPairFactory(
  init: DuplexPairInit = {},
  initB: DuplexPairInit = init,
): () => Promise<{ a: MemoryStream; b: MemoryStream }> {
  validateDuplexPairInit(init)
  validateDuplexPairInit(initB)
  return async () => {
    const [a, b] = duplexPair(init, initB)
    return { a, b }
  }
}

/** Deterministic pseudo-random bytes (xorshift32), for garbage and test data. */
export function garbage(length: number, seed = 1): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError('length must be a non-negative integer')
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}
