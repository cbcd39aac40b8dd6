/**
 * The byte-stream contract: the one duplex type between every layer of Switchyard
 * (TCP socket → Noise channel → Yamux stream → protocol handler).
 *
 * It is push-based and synchronous on the hot path: the producer calls the sink
 * for every chunk, with no promise in between. Backpressure is explicit both ways.
 *
 * ## Writing
 * - `write(chunk)` queues `chunk` for sending and **takes it over**: the caller
 *   must not modify it afterwards. The stream only reads it (never writes into
 *   it), so one constant buffer may be written many times. It returns `true` while the stream's write
 *   buffer is below its high-water mark and `false` once it is at or above it.
 *   `false` is advice, not refusal: the chunk was accepted, but the writer should
 *   stop and wait for drain (`onceDrain`) before writing more.
 * - Drain fires once the buffer has fallen below the high-water mark after a
 *   `write()` returned `false`. It does not fire otherwise, and never after close.
 * - `end()` half-closes the write side once queued data has been sent. It is
 *   idempotent. `write()` after `end()` throws `StreamError('STREAM_WRITE_AFTER_END')`.
 * - `write()` after the stream closed (reset, destroyed, failed) drops the chunk
 *   and returns `false`; the writer has already been told through `onceClosed`.
 *
 * ## Reading
 * - The reader installs a sink with `setSink()`. Data that arrived before a sink
 *   was installed (or while paused) is buffered and delivered first, then EOF.
 *   `setSink()` may be called again to hand the stream to another reader (as
 *   multistream-select does when it hands a negotiated stream to a handler); data
 *   not yet delivered goes to the new sink.
 * - `onData(chunk)` hands `chunk` over to the sink: the stream never touches it
 *   again. Delivery counts as consumption: a muxer grants flow-control window
 *   only for delivered bytes.
 * - `pause()` stops delivery. Arriving data is then buffered up to the stream's
 *   read high-water mark, after which the stream stops its source (the TCP socket
 *   stops reading, the muxer stops granting window), so a reader that does not
 *   read stops the sender. `resume()` delivers what is buffered (asynchronously,
 *   in a microtask) and restarts the source.
 * - `onEnd()` is called once, after the last chunk, when the remote closed its
 *   write side. A stream that ends never calls `onData` again.
 *
 * ## Closing
 * - A stream closes when both sides have ended and written data was flushed
 *   (graceful), or when it is destroyed: by `destroy(err?)` locally, by a remote
 *   reset, or by a failure of a lower layer. `onceClosed` callbacks run once, with
 *   the error if there was one. After a graceful close every buffered chunk and the
 *   EOF have been delivered; after an error, undelivered data is discarded and no
 *   `onEnd` follows: a reader learns of the error only through `onceClosed`.
 * - `destroy(err?)` is idempotent; it discards queued writes and unread data,
 *   releases the stream's resources, and runs close callbacks with `err`.
 *
 * ## Exceptions
 * - A sink that throws destroys the stream with `StreamError('STREAM_SINK_THREW')`
 *   (the thrown value as `cause`); the exception never unwinds into the transport.
 */
export interface ByteStream extends AsyncIterable<Uint8Array> {
  /** Queue `chunk` (taken over) for sending; `false` means "wait for drain". */
  write(chunk: Uint8Array): boolean
  /**
   * Optional, on streams that can gather (a socket: one `writev`): queues `chunks`
   * (taken over, in order) as one write, with `write()`'s rules and result for the
   * whole list. A writer that would otherwise join pieces into one buffer passes
   * them here instead and copies nothing.
   */
  writev?(chunks: readonly Uint8Array[]): boolean
  /** Half-close: send EOF after queued data. Idempotent. */
  end(): void
  /** Abort both directions now. Idempotent. `err` reaches close callbacks. */
  destroy(err?: Error): void

  /** Install the reader (or `null` to detach; data then buffers). */
  setSink(sink: ByteSink | null): void
  /** Stop delivering data to the sink; buffered data stays. */
  pause(): void
  /** Resume delivery (in a microtask) and restart the source if it was stopped. */
  resume(): void

  /** Run `callback` once at the next drain. Returns a function that unregisters it. */
  onceDrain(callback: () => void): () => void
  /**
   * Run `callback` once when the stream closes (at once, in a microtask, if it
   * already has). Returns a function that unregisters it.
   */
  onceClosed(callback: (err?: Error) => void): () => void

  /** A `write()` returned `false` and drain has not fired yet. */
  readonly writableNeedDrain: boolean
  /** `end()` was called (or the stream closed). */
  readonly writableEnded: boolean
  /** EOF was delivered to the sink (or the stream closed). */
  readonly readableEnded: boolean
  /** Delivery is paused by `pause()`. */
  readonly paused: boolean
  /** The stream reached its terminal state. */
  readonly closed: boolean
  /** The error the stream closed with, if any. */
  readonly error: Error | undefined
}

/** The reader of a `ByteStream`. Callbacks are synchronous and must not block. */
export interface ByteSink {
  /** A chunk, handed over to the sink. Never empty. */
  onData(chunk: Uint8Array): void
  /** The remote closed its write side. Called at most once, after the last chunk. */
  onEnd(): void
}
