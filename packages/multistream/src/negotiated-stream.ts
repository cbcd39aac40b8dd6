/**
 * The stream handed to the application after a negotiation when the negotiation
 * cannot simply return the stream it was given:
 *
 * - bytes arrived in the same chunk as the last negotiation message (a lazily sent
 *   payload): they are delivered first, as the very `subarray` received (no copy),
 *   then every later chunk of the underlying stream, as is;
 * - a lazy select: writes go out behind the header and proposal (coalesced with the
 *   first write into one underlying write when it is small), and nothing is
 *   delivered until the responder confirmed; a rejection destroys this stream with
 *   `MULTISTREAM_PROTOCOL_REJECTED`.
 *
 * It is a thin `ByteStreamBase`: writes, `end` and `destroy` go straight to the
 * underlying stream, received chunks are `push`ed through (pausing the underlying
 * stream when this one's buffer is full), and it closes when the underlying one does.
 */
import { type ByteSink, type ByteStream, ByteStreamBase, StreamError } from '@switchyard/interface'

// A first write up to this size is copied behind the header and proposal so the
// three go out as one chunk (one packet); a larger one is written separately
// rather than copied.
const COALESCE_MAX_BYTES = 16 * 1024

export class NegotiatedStream extends ByteStreamBase {
  readonly #inner: ByteStream
  // Lazy select: the header and proposal (shared, copied on write) not yet written.
  #preamble: Uint8Array | null = null
  #preambleTimer: Timer | undefined
  #attached = false
  #waitingDrain = false
  readonly #innerSink: ByteSink = {
    onData: (chunk) => {
      if (!this.push(chunk)) this.#inner.pause()
    },
    onEnd: () => this.pushEnd(),
  }

  protected constructor(inner: ByteStream) {
    super()
    this.#inner = inner
  }

  /** Over a stream that gathers writes (`writev`: a socket), one that offers `writev` too. */
  static #over(inner: ByteStream): NegotiatedStream {
    return inner.writev !== undefined ? new GatheringNegotiatedStream(inner) : new NegotiatedStream(inner)
  }

  /** A stream that delivers `leftover` (taken over) and then `inner`'s data. */
  static withLeftover(inner: ByteStream, leftover: Uint8Array): NegotiatedStream {
    const s = NegotiatedStream.#over(inner)
    s.attach(leftover)
    return s
  }

  /**
   * A lazy-select stream: `preamble` (shared, never written as is) goes out with
   * the first write, at `end()`, or on the next macrotask, whichever is first.
   * Reading is gated until `attach()`.
   */
  static lazy(inner: ByteStream, preamble: Uint8Array): NegotiatedStream {
    const s = NegotiatedStream.#over(inner)
    s.#preamble = preamble
    // A macrotask, not a microtask: the caller's first write after `await select()`
    // runs a few microtasks later and should still be coalesced.
    s.#preambleTimer = setMacrotask(() => {
      s.#preambleTimer = undefined
      s.#flushPreamble()
    })
    return s
  }

  /** True once the negotiation succeeded (`attach()`); always for a non-lazy stream. */
  get confirmed(): boolean {
    return this.#attached
  }

  /** The negotiation succeeded: take over `inner`'s reading, `leftover` first. */
  attach(leftover: Uint8Array | undefined): void {
    if (this.#attached || this.closed) return
    this.#attached = true
    this.#inner.onceClosed((err) => this.finish(err))
    if (leftover !== undefined) this.push(leftover)
    this.#inner.setSink(this.#innerSink)
    if (this.paused) this.#inner.pause()
    else if (this.#inner.paused) this.#inner.resume()
  }

  /** The negotiation failed (the underlying stream is already destroyed). */
  reject(err: unknown): void {
    this.destroy(
      err instanceof Error ? err : new StreamError('STREAM_DESTROYED', 'negotiation aborted', { cause: err }),
    )
  }

  protected _write(chunk: Uint8Array): boolean {
    const preamble = this.#preamble
    if (preamble !== null && chunk.byteLength <= COALESCE_MAX_BYTES) {
      this.#dropPreamble()
      const joined = new Uint8Array(preamble.byteLength + chunk.byteLength)
      joined.set(preamble, 0)
      joined.set(chunk, preamble.byteLength)
      return this.#writeInner(joined)
    }
    this.#flushPreamble()
    return this.#writeInner(chunk)
  }

  protected _end(): void {
    this.#flushPreamble()
    this.#inner.end()
  }

  protected _destroy(err: Error | undefined): void {
    this.#dropPreamble()
    this.#inner.destroy(err)
  }

  // Pausing goes down to the underlying stream at once, so that it buffers (up to
  // its own high-water mark) and stops its source; this stream's buffer then only
  // ever holds the leftover and chunks that arrive while no sink is set.
  // Before `attach()` the underlying stream still carries the negotiation and must
  // not be paused.
  override pause(): void {
    super.pause()
    if (this.#attached) this.#inner.pause()
  }

  override resume(): void {
    if (!this.paused) return
    super.resume()
    if (this.#attached) this.#inner.resume()
  }

  protected override _readMore(): void {
    this.#inner.resume()
  }

  #writeInner(chunk: Uint8Array): boolean {
    const ok = this.#inner.write(chunk)
    if (!ok && !this.#waitingDrain && !this.#inner.closed) {
      this.#waitingDrain = true
      this.#inner.onceDrain(() => {
        this.#waitingDrain = false
        this.emitDrain()
      })
    }
    return ok
  }

  #flushPreamble(): void {
    const preamble = this.#preamble
    if (preamble === null) return
    this.#dropPreamble()
    this.#writeInner(preamble.slice())
  }

  #dropPreamble(): void {
    this.#preamble = null
    if (this.#preambleTimer !== undefined) {
      clearMacrotask(this.#preambleTimer)
      this.#preambleTimer = undefined
    }
  }
}

type Timer = ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>

const hasSetImmediate = typeof setImmediate === 'function'

function setMacrotask(fn: () => void): Timer {
  return hasSetImmediate ? setImmediate(fn) : setTimeout(fn, 0)
}

function clearMacrotask(t: Timer): void {
  if (hasSetImmediate) clearImmediate(t as ReturnType<typeof setImmediate>)
  else clearTimeout(t as ReturnType<typeof setTimeout>)
}

/**
 * A `NegotiatedStream` over a stream that gathers writes: it offers `writev` as well, so
 * that a writer above (a Noise channel sealing frame by frame) hands over pieces instead
 * of joining them. The pieces go to the inner stream one `write()` each, in order, in
 * the same tick, and a gathering stream (a socket) sends the tick's writes in one
 * `writev`.
 */
class GatheringNegotiatedStream extends NegotiatedStream {
  writev(chunks: readonly Uint8Array[]): boolean {
    return this.writeChunks(chunks)
  }
}
