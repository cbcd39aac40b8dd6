import type { ByteSink, ByteStream } from './byte-stream.js'
import { StreamError } from './errors.js'
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
  // Undelivered chunks: `#queue[#head..]`. A head index avoids O(n) shift().
  #queue: Uint8Array[] = []
  #head = 0
  #queuedBytes = 0
  #sourceStopped = false
  #eofReceived = false
  #readableEnded = false
  #writableEnded = false
  #paused = false
  #needDrain = false
  #closed = false
  #closing = false
  #error: Error | undefined
  #flushScheduled = false
  #drainCallbacks: Array<() => void> = []
  #closeCallbacks: Array<(err?: Error) => void> = []

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
    if (this.#closed || this.#eofReceived) return false
    const n = chunk.byteLength
    if (n === 0) return true
    if (this.#sink !== null && !this.#paused && this.#head === this.#queue.length) {
      this.#deliver(chunk)
      // The sink may have destroyed the stream: the source must stop then.
      return !this.#closed
    }
    this.#queue.push(chunk)
    this.#queuedBytes += n
    if (this.#queuedBytes >= this.readableHighWaterMark) {
      this.#sourceStopped = true
      return false
    }
    return true
  }

  /** The remote closed its write side. */
  protected pushEnd(): void {
    if (this.#closed || this.#eofReceived) return
    this.#eofReceived = true
    this.#flush()
  }

  /** The write buffer fell below its high-water mark. */
  protected emitDrain(): void {
    if (!this.#needDrain || this.#closed) return
    this.#needDrain = false
    const callbacks = this.#drainCallbacks
    this.#drainCallbacks = []
    for (const cb of callbacks) cb()
  }

  /**
   * The stream is over. With `err`, at once: unread data is discarded. Without,
   * after the reader has received every buffered chunk and the EOF (an EOF is
   * implied if none was pushed).
   */
  protected finish(err?: Error): void {
    if (this.#closed) return
    if (err !== undefined) {
      this.#terminate(err)
      return
    }
    this.#closing = true
    if (!this.#eofReceived) this.#eofReceived = true
    this.#flush()
  }

  // ---- public contract ----------------------------------------------------------

  write(chunk: Uint8Array): boolean {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('write() takes a Uint8Array')
    if (this.#writableEnded && !this.#closed) {
      throw new StreamError('STREAM_WRITE_AFTER_END', 'write() after end()')
    }
    if (this.#closed) return false
    if (this._write(chunk)) return !this.#needDrain
    this.#needDrain = true
    return false
  }

  end(): void {
    if (this.#writableEnded || this.#closed) return
    this.#writableEnded = true
    this._end()
  }

  destroy(err?: Error): void {
    if (this.#closed) return
    this.#terminate(err)
  }

  setSink(sink: ByteSink | null): void {
    this.#sink = sink
    if (sink !== null) this.#scheduleFlush()
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#scheduleFlush()
  }

  onceDrain(callback: () => void): () => void {
    if (this.#closed) return noop
    // A one-element literal rather than push() onto the empty array: push would give
    // it room for 17, and most streams only ever hold one callback (idle memory).
    if (this.#drainCallbacks.length === 0) this.#drainCallbacks = [callback]
    else this.#drainCallbacks.push(callback)
    return () => removeItem(this.#drainCallbacks, callback)
  }

  onceClosed(callback: (err?: Error) => void): () => void {
    if (this.#closed) {
      let cancelled = false
      queueMicrotask(() => {
        if (!cancelled) callback(this.#error)
      })
      return () => {
        cancelled = true
      }
    }
    if (this.#closeCallbacks.length === 0) this.#closeCallbacks = [callback]
    else this.#closeCallbacks.push(callback)
    return () => removeItem(this.#closeCallbacks, callback)
  }

  get writableNeedDrain(): boolean {
    return this.#needDrain
  }
  get writableEnded(): boolean {
    return this.#writableEnded || this.#closed
  }
  get readableEnded(): boolean {
    return this.#readableEnded || this.#closed
  }
  get paused(): boolean {
    return this.#paused
  }
  get closed(): boolean {
    return this.#closed
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
    if (!this.#closed) this._consumed(chunk.byteLength)
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    queueMicrotask(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  #flush(): void {
    while (this.#sink !== null && !this.#paused && !this.#closed && this.#head < this.#queue.length) {
      const chunk = this.#queue[this.#head]!
      this.#queue[this.#head++] = EMPTY
      this.#queuedBytes -= chunk.byteLength
      this.#deliver(chunk)
    }
    if (this.#closed) return
    if (this.#head === this.#queue.length && this.#head > 0) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    if (this.#queuedBytes === 0 && this.#sink !== null && !this.#paused) {
      if (this.#eofReceived && !this.#readableEnded) {
        this.#readableEnded = true
        try {
          this.#sink.onEnd()
        } catch (cause) {
          this.#terminate(new StreamError('STREAM_SINK_THREW', 'a stream sink threw', { cause }))
          return
        }
      }
      if (this.#closing && this.#readableEnded) {
        this.#terminate(undefined)
        return
      }
      if (this.#sourceStopped && !this.#eofReceived) {
        this.#sourceStopped = false
        this._readMore()
      }
    }
  }

  #terminate(err: Error | undefined): void {
    if (this.#closed) return
    this.#closed = true
    this.#error = err
    this.#queue = []
    this.#head = 0
    this.#queuedBytes = 0
    this.#drainCallbacks = []
    this._destroy(err)
    const callbacks = this.#closeCallbacks
    this.#closeCallbacks = []
    for (const cb of callbacks) cb(err)
  }
}

const EMPTY = new Uint8Array(0)
const noop = () => {}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item)
  if (i !== -1) list.splice(i, 1)
}
