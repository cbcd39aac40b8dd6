/**
 * Application-edge helpers over the byte-stream contract: at most one promise per
 * chunk, never used inside the library's hot paths.
 */
import type { ByteStream } from './byte-stream.js'
import { type AbortOptions, raceSignal, StreamError, throwIfAborted } from './errors.js'

/**
 * An async iterator over a stream's chunks. Takes the sink over; pauses the stream
 * while chunks wait for the consumer, so a slow loop backpressures the sender.
 * Ends at EOF; throws the stream's error if it closes with one. `return()` (a
 * `break` out of `for await`) detaches without destroying the stream.
 */
export function iterateStream(stream: ByteStream, options: AbortOptions = {}): AsyncIterator<Uint8Array> {
  const { signal } = options
  const chunks: Uint8Array[] = []
  let ended = false
  let failure: unknown
  let waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void } | undefined

  const settle = () => {
    if (waiter === undefined) return
    const w = waiter
    if (chunks.length > 0) {
      waiter = undefined
      w.resolve({ value: chunks.shift()!, done: false })
      if (chunks.length === 0) stream.resume()
    } else if (failure !== undefined) {
      waiter = undefined
      w.reject(failure)
    } else if (ended) {
      waiter = undefined
      w.resolve({ value: undefined, done: true })
    }
  }
  const onAbort = () => {
    failure = signal!.reason
    settle()
  }
  const cleanup = () => {
    unregisterClose()
    signal?.removeEventListener('abort', onAbort)
  }

  stream.setSink({
    onData(chunk) {
      chunks.push(chunk)
      if (waiter === undefined) stream.pause()
      settle()
    },
    onEnd() {
      ended = true
      settle()
    },
  })
  const unregisterClose = stream.onceClosed((err) => {
    if (err !== undefined) failure ??= err
    ended = true
    settle()
  })
  signal?.addEventListener('abort', onAbort, { once: true })
  if (signal?.aborted === true) failure = signal.reason

  return {
    next() {
      if (chunks.length === 0 && failure === undefined && !ended) stream.resume()
      return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        waiter = { resolve, reject }
        settle()
      }).finally(() => {
        if (ended || failure !== undefined) if (chunks.length === 0) cleanup()
      })
    },
    return() {
      cleanup()
      stream.setSink(null)
      stream.pause()
      // Chunks already taken from the stream but not yet consumed go back to nobody:
      // the consumer stopped reading; they are dropped with the iterator.
      return Promise.resolve({ value: undefined, done: true })
    },
  }
}

/** An `AsyncIterable` view of `stream` (see `iterateStream`). */
export function toAsyncIterable(stream: ByteStream, options: AbortOptions = {}): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => iterateStream(stream, options) }
}

/**
 * Resolves at the stream's next drain, at once if it does not need one. Rejects
 * with the stream's error (or `STREAM_DESTROYED`) if it closes first, and with
 * `signal.reason` on abort.
 */
export function waitForDrain(stream: ByteStream, options: AbortOptions = {}): Promise<void> {
  throwIfAborted(options.signal)
  if (stream.closed) return Promise.reject(closedError(stream))
  if (!stream.writableNeedDrain) return Promise.resolve()
  let offDrain = noop
  let offClose = noop
  const p = new Promise<void>((resolve, reject) => {
    offDrain = stream.onceDrain(() => {
      offClose()
      resolve()
    })
    offClose = stream.onceClosed(() => {
      offDrain()
      reject(closedError(stream))
    })
  })
  return raceSignal(p, options.signal, () => {
    offDrain()
    offClose()
  })
}

/**
 * Writes every chunk of `source`, waiting for drain whenever `write()` says so.
 * With `end: true` (the default) half-closes the stream afterwards.
 */
export async function writeAll(
  stream: ByteStream,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: AbortOptions & { end?: boolean } = {},
): Promise<void> {
  throwIfAborted(options.signal)
  for await (const chunk of source) {
    throwIfAborted(options.signal)
    if (stream.closed) throw closedError(stream)
    if (!stream.write(chunk)) await waitForDrain(stream, options)
  }
  if (options.end !== false) stream.end()
}

/**
 * Reads until EOF and returns the bytes, joined. Rejects with
 * `STREAM_READ_LIMIT` (and destroys the stream) past `maxBytes` (default 16 MiB).
 */
export function readAll(stream: ByteStream, options: AbortOptions & { maxBytes?: number } = {}): Promise<Uint8Array> {
  throwIfAborted(options.signal)
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024
  const chunks: Uint8Array[] = []
  let total = 0
  let offClose = noop
  const p = new Promise<Uint8Array>((resolve, reject) => {
    stream.setSink({
      onData(chunk) {
        total += chunk.byteLength
        if (total > maxBytes) {
          const err = new StreamError('STREAM_READ_LIMIT', `stream sent more than ${maxBytes} bytes`)
          stream.destroy(err)
          reject(err)
          return
        }
        chunks.push(chunk)
      },
      onEnd() {
        offClose()
        resolve(concat(chunks, total))
      },
    })
    offClose = stream.onceClosed((err) => {
      if (!stream.readableEnded || err !== undefined) reject(err ?? closedError(stream))
    })
    stream.resume()
  })
  return raceSignal(p, options.signal, () => {
    offClose()
    stream.setSink(null)
  })
}

/** Resolves when the stream closes (with no value), rejects with its error if it failed. */
export function streamClosed(stream: ByteStream, options: AbortOptions = {}): Promise<void> {
  throwIfAborted(options.signal)
  let off = noop
  const p = new Promise<void>((resolve, reject) => {
    off = stream.onceClosed((err) => (err === undefined ? resolve() : reject(err)))
  })
  return raceSignal(p, options.signal, () => off())
}

/** Joins chunks into one buffer (no copy when there is exactly one). */
export function concat(chunks: readonly Uint8Array[], totalBytes?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const total = totalBytes ?? chunks.reduce((n, c) => n + c.byteLength, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

function closedError(stream: ByteStream): Error {
  return stream.error ?? new StreamError('STREAM_DESTROYED', 'the stream is closed')
}

const noop = () => {}
