import type { ByteSink, ByteStream } from './byte-stream.js'
import { StreamError } from './errors.js'
import { microtask } from './microtask.js'
import { iterateStream } from './stream-helpers.js'

/** Options shared by every `ByteStreamBase` subclass. */
export interface ByteStreamBaseInit {
  /**
   * Bytes buffered for a paused or absent reader before `push()` returns `false`
   * and the subclass should stop its source. Default 64 KiB.
   */
  readableHighWaterMark?: number
}

const DEFAULT_READABLE_HWM = 64 * 1024

/**
 * The reading half and the state of the byte-stream contract, implemented once so
 * that every layer behaves the same. A subclass supplies the transport:
 *
 * - `_write(chunk)`, `_end()`, `_destroy(err)` carry out `write`, `end`, `destroy`;
 *   `_write` returns `false` when its buffer is at the high-water mark, and the
 *   subclass calls `emitDrain()` when it falls below again.
 * - It feeds received bytes with `push(chunk)` and EOF with `pushEnd()`; when
 *   `push` returns `false` it stops its source until `_readMore()` is called.
 * - `_consumed(n)` reports bytes delivered to the sink (a muxer grants window here).
 * - It calls `finish(err?)` when the stream is over: graceful (no `err`) once both
 *   sides ended, or with the error that killed it.
 */
export abstract class ByteStreamBase implements ByteStream {
  readonly readableHighWaterMark: number

  #sink: ByteSink | null = null
  // Idle memory: an idle stream holds no arrays of its own (the empty ones are shared,
  // never written), a single close callback is kept without an array, and the nine
  // boolean states share one small integer (each field costs 8 bytes).
  // Undelivered chunks: `#queue[#head..]`. A head index avoids O(n) shift().
  #queue: Uint8Array[] = NO_CHUNKS
  #head = 0
  #queuedBytes = 0
  #flags = 0
  #error: Error | undefined
  #drainCallbacks: Array<() => void> = NO_CALLBACKS
  #closeCallbacks: CloseCallback | CloseCallback[] | undefined

  constructor(init: ByteStreamBaseInit = {}) {
    const hwm = init.readableHighWaterMark ?? DEFAULT_READABLE_HWM
    if (!Number.isSafeInteger(hwm) || hwm < 1) {
      throw new RangeError(`readableHighWaterMark must be a positive integer, got ${hwm}`)
    }
    this.readableHighWaterMark = hwm
  }

  // ---- subclass hooks -------------------------------------------------------

  /** Send `chunk`; return `false` when the write buffer is at its high-water mark. */
  protected abstract _write(chunk: Uint8Array): boolean
  /** Send EOF after queued data. Called once. */
  protected abstract _end(): void
  /** Tear down now: release every resource. Called once, before close callbacks. */
  protected abstract _destroy(err: Error | undefined): void
  /** The reader drained the buffer after `push()` returned `false`: restart the source. */
  protected _readMore(): void {}
  /** `bytes` were delivered to the sink. */
  protected _consumed(_bytes: number): void {}

  // ---- subclass API -------------------------------------------------------------

  /**
   * Hand a received chunk to the reader (taken over). Returns `false` when the
   * reader is not keeping up and the source should stop until `_readMore()`.
   */
  protected push(chunk: Uint8Array): boolean {
    if ((this.#flags & F_CLOSED) !== 0 || (this.#flags & F_EOF_RECEIVED) !== 0) return false
    const n = chunk.byteLength
    if (n === 0) return true
    if (this.#sink !== null && (this.#flags & F_PAUSED) === 0 && this.#head === this.#queue.length) {
      this.#deliver(chunk)
      // The sink may have destroyed the stream: the source must stop then.
      return (this.#flags & F_CLOSED) === 0
    }
    if (this.#queue === NO_CHUNKS) this.#queue = [chunk]
    else this.#queue.push(chunk)
    this.#queuedBytes += n
    if (this.#queuedBytes >= this.readableHighWaterMark) {
      this.#flags |= F_SOURCE_STOPPED
      return false
    }
    return true
  }

  /** The remote closed its write side. */
  protected pushEnd(): void {
    if ((this.#flags & F_CLOSED) !== 0 || (this.#flags & F_EOF_RECEIVED) !== 0) return
    this.#flags |= F_EOF_RECEIVED
    this.#flush()
  }

  /** The write buffer fell below its high-water mark. */
  protected emitDrain(): void {
    if ((this.#flags & F_NEED_DRAIN) === 0 || (this.#flags & F_CLOSED) !== 0) return
    this.#flags &= ~F_NEED_DRAIN
    const callbacks = this.#drainCallbacks
    this.#drainCallbacks = NO_CALLBACKS
    for (const cb of callbacks) cb()
  }

  /**
   * The stream is over. With `err`, at once: unread data is discarded. Without,
   * after the reader has received every buffered chunk and the EOF (an EOF is
   * implied if none was pushed).
   */
  protected finish(err?: Error): void {
    if ((this.#flags & F_CLOSED) !== 0) return
    if (err !== undefined) {
      this.#terminate(err)
      return
    }
    this.#flags |= F_CLOSING
    if ((this.#flags & F_EOF_RECEIVED) === 0) this.#flags |= F_EOF_RECEIVED
    this.#flush()
  }

  // ---- public contract ----------------------------------------------------------

  write(chunk: Uint8Array): boolean {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('write() takes a Uint8Array')
    if ((this.#flags & F_WRITABLE_ENDED) !== 0 && (this.#flags & F_CLOSED) === 0) {
      throw new StreamError('STREAM_WRITE_AFTER_END', 'write() after end()')
    }
    if ((this.#flags & F_CLOSED) !== 0) return false
    if (this._write(chunk)) return (this.#flags & F_NEED_DRAIN) === 0
    this.#flags |= F_NEED_DRAIN
    return false
  }

  /**
   * For subclasses that offer `writev` (`ByteStream.writev`): `write()`'s checks
   * once, then `_write` for each chunk in order; the result is `write()`'s for the
   * whole list. The subclass makes the chunks leave together (a corked socket).
   */
  protected writeChunks(chunks: readonly Uint8Array[]): boolean {
    for (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError('writev() takes Uint8Arrays')
    }
    if ((this.#flags & F_WRITABLE_ENDED) !== 0 && (this.#flags & F_CLOSED) === 0) {
      throw new StreamError('STREAM_WRITE_AFTER_END', 'writev() after end()')
    }
    if ((this.#flags & F_CLOSED) !== 0) return false
    let ok = true
    for (const chunk of chunks) ok = this._write(chunk)
    if (ok) return (this.#flags & F_NEED_DRAIN) === 0
    this.#flags |= F_NEED_DRAIN
    return false
  }

  end(): void {
    if ((this.#flags & F_WRITABLE_ENDED) !== 0 || (this.#flags & F_CLOSED) !== 0) return
    this.#flags |= F_WRITABLE_ENDED
    this._end()
  }

  destroy(err?: Error): void {
    if ((this.#flags & F_CLOSED) !== 0) return
    this.#terminate(err)
  }

  setSink(sink: ByteSink | null): void {
    this.#sink = sink
    if (sink !== null) this.#scheduleFlush()
  }

  pause(): void {
    this.#flags |= F_PAUSED
  }

  resume(): void {
    if ((this.#flags & F_PAUSED) === 0) return
    this.#flags &= ~F_PAUSED
    this.#scheduleFlush()
  }

  onceDrain(callback: () => void): () => void {
    if ((this.#flags & F_CLOSED) !== 0) return noop
    // A one-element literal rather than push() onto the empty array: push would give
    // it room for 17, and most streams only ever hold one callback (idle memory).
    if (this.#drainCallbacks === NO_CALLBACKS) this.#drainCallbacks = [callback]
    else this.#drainCallbacks.push(callback)
    return () => {
      if (this.#drainCallbacks !== NO_CALLBACKS) removeItem(this.#drainCallbacks, callback)
    }
  }

  onceClosed(callback: (err?: Error) => void): () => void {
    if ((this.#flags & F_CLOSED) !== 0) {
      let cancelled = false
      queueMicrotask(() => {
        if (!cancelled) callback(this.#error)
      })
      return () => {
        cancelled = true
      }
    }
    const held = this.#closeCallbacks
    if (held === undefined) this.#closeCallbacks = callback
    else if (typeof held === 'function') this.#closeCallbacks = [held, callback]
    else held.push(callback)
    return () => {
      const now = this.#closeCallbacks
      if (now === callback) this.#closeCallbacks = undefined
      else if (Array.isArray(now)) removeItem(now, callback)
    }
  }

  get writableNeedDrain(): boolean {
    return (this.#flags & F_NEED_DRAIN) !== 0
  }
  get writableEnded(): boolean {
    return (this.#flags & F_WRITABLE_ENDED) !== 0 || (this.#flags & F_CLOSED) !== 0
  }
  get readableEnded(): boolean {
    return (this.#flags & F_READABLE_ENDED) !== 0 || (this.#flags & F_CLOSED) !== 0
  }
  get paused(): boolean {
    return (this.#flags & F_PAUSED) !== 0
  }
  get closed(): boolean {
    return (this.#flags & F_CLOSED) !== 0
  }
  get error(): Error | undefined {
    return this.#error
  }
  /** Bytes received but not yet delivered to the reader. */
  get readableLength(): number {
    return this.#queuedBytes
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return iterateStream(this)
  }

  // ---- internals ------------------------------------------------------------------

  #deliver(chunk: Uint8Array): void {
    try {
      this.#sink!.onData(chunk)
    } catch (cause) {
      this.#terminate(new StreamError('STREAM_SINK_THREW', 'a stream sink threw', { cause }))
      return
    }
    if ((this.#flags & F_CLOSED) === 0) this._consumed(chunk.byteLength)
  }

  #scheduleFlush(): void {
    if ((this.#flags & F_FLUSH_SCHEDULED) !== 0) return
    this.#flags |= F_FLUSH_SCHEDULED
    microtask(() => {
      this.#flags &= ~F_FLUSH_SCHEDULED
      this.#flush()
    })
  }

  #flush(): void {
    while (
      this.#sink !== null &&
      (this.#flags & F_PAUSED) === 0 &&
      (this.#flags & F_CLOSED) === 0 &&
      this.#head < this.#queue.length
    ) {
      const chunk = this.#queue[this.#head]!
      this.#queue[this.#head++] = EMPTY
      this.#queuedBytes -= chunk.byteLength
      this.#deliver(chunk)
    }
    if ((this.#flags & F_CLOSED) !== 0) return
    if (this.#head === this.#queue.length && this.#head > 0) {
      this.#queue = NO_CHUNKS
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    if (this.#queuedBytes === 0 && this.#sink !== null && (this.#flags & F_PAUSED) === 0) {
      if ((this.#flags & F_EOF_RECEIVED) !== 0 && (this.#flags & F_READABLE_ENDED) === 0) {
        this.#flags |= F_READABLE_ENDED
        try {
          this.#sink.onEnd()
        } catch (cause) {
          this.#terminate(new StreamError('STREAM_SINK_THREW', 'a stream sink threw', { cause }))
          return
        }
      }
      if ((this.#flags & F_CLOSING) !== 0 && (this.#flags & F_READABLE_ENDED) !== 0) {
        this.#terminate(undefined)
        return
      }
      if ((this.#flags & F_SOURCE_STOPPED) !== 0 && (this.#flags & F_EOF_RECEIVED) === 0) {
        this.#flags &= ~F_SOURCE_STOPPED
        this._readMore()
      }
    }
  }

  #terminate(err: Error | undefined): void {
    if ((this.#flags & F_CLOSED) !== 0) return
    this.#flags |= F_CLOSED
    this.#error = err
    this.#queue = NO_CHUNKS
    this.#head = 0
    this.#queuedBytes = 0
    this.#drainCallbacks = NO_CALLBACKS
    this._destroy(err)
    const callbacks = this.#closeCallbacks
    this.#closeCallbacks = undefined
    if (typeof callbacks === 'function') callbacks(err)
    else if (callbacks !== undefined) for (const cb of callbacks) cb(err)
  }
}

const EMPTY = new Uint8Array(0)
type CloseCallback = (err?: Error) => void
/** The shared empty lists (frozen: replaced, never written). */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[]
const NO_CALLBACKS: Array<() => void> = Object.freeze([]) as unknown as Array<() => void>
// The boolean states, bits of `#flags`.
const F_SOURCE_STOPPED = 1
const F_EOF_RECEIVED = 2
const F_READABLE_ENDED = 4
const F_WRITABLE_ENDED = 8
const F_PAUSED = 16
const F_NEED_DRAIN = 32
const F_CLOSED = 64
const F_CLOSING = 128
const F_FLUSH_SCHEDULED = 256
const noop = () => {}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item)
  if (i !== -1) list.splice(i, 1)
}
