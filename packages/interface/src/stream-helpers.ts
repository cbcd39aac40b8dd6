/**
 * Application-edge helpers over the byte-stream contract: at most one promise per
 * chunk, never used inside the library's hot paths.
 */
import type { ByteSink, ByteStream } from './byte-stream.js'
import { type AbortOptions, raceSignal, StreamError, throwIfAborted } from './errors.js'

/**
 * An async iterator over a stream's chunks. Takes the sink over at the first
 * `next()`, and keeps the stream paused whenever no `next()` is pending, so a slow
 * loop backpressures the sender and no chunk is ever taken from the stream that the
 * loop did not ask for. Ends at EOF (or when the stream had already closed cleanly);
 * throws the stream's error if it closes with one, and `STREAM_DESTROYED` if it
 * closes without an error before EOF (the data is truncated). `return()` (a `break`
 * out of `for await`) and an abort detach the sink and resume the stream without
 * destroying it, so another reader can take over with `setSink()`; an abort rejects
 * pending and later `next()` calls with `signal.reason`.
 */
export function iterateStream(stream: ByteStream, options: AbortOptions = {}): AsyncIterator<Uint8Array> {
  const { signal } = options
  const chunks: Uint8Array[] = []
  const waiters: Array<{ resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void }> =
    []
  let attached = false
  let detached = false
  let ended = false
  let failed = false
  let failure: unknown
  let offClose = noop

  const sink: ByteSink = {
    onData(chunk) {
      chunks.push(chunk)
      settle()
    },
    onEnd() {
      ended = true
      settle()
    },
  }

  const settle = () => {
    while (waiters.length > 0) {
      if (chunks.length > 0) {
        waiters.shift()!.resolve({ value: chunks.shift()!, done: false })
      } else if (failed) {
        waiters.shift()!.reject(failure)
      } else if (ended) {
        waiters.shift()!.resolve(DONE)
      } else {
        break
      }
    }
    if (chunks.length === 0 && (ended || failed)) detach()
    else if (waiters.length === 0 && attached && !detached) stream.pause()
  }

  const fail = (err: unknown) => {
    if (failed || ended) return
    failed = true
    failure = err
    settle()
  }

  const onAbort = () => {
    // An abort wins over data already taken: the consumer asked to stop.
    chunks.length = 0
    fail(signal!.reason)
  }

  const attach = () => {
    attached = true
    signal?.addEventListener('abort', onAbort, { once: true })
    offClose = stream.onceClosed((err) => {
      if (err !== undefined) fail(err)
      else if (!ended) fail(closedError(stream))
    })
    stream.setSink(sink)
  }

  function detach(): void {
    if (detached) return
    detached = true
    offClose()
    signal?.removeEventListener('abort', onAbort)
    if (attached && !stream.closed) {
      stream.setSink(null)
      stream.resume()
    }
  }

  if (signal?.aborted === true) {
    failed = true
    failure = signal.reason
    detached = true
  } else if (stream.closed) {
    // Closed before we started: nothing more will come.
    if (stream.error !== undefined) fail(stream.error)
    else ended = true
    detached = true
  }

  return {
    next() {
      if (signal?.aborted === true && !failed && !detached) onAbort()
      if (chunks.length === 0) {
        if (failed) return Promise.reject(failure)
        if (ended || detached) return Promise.resolve(DONE)
      }
      return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        waiters.push({ resolve, reject })
        if (chunks.length > 0) {
          settle()
          return
        }
        if (!attached) attach()
        stream.resume()
      })
    },
    return() {
      // Normally no chunk is held here (the stream is paused while nobody waits).
      chunks.length = 0
      ended = true
      settle()
      detach()
      return Promise.resolve(DONE)
    },
  }
}

const DONE: IteratorResult<Uint8Array> = { value: undefined, done: true }

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
  // A promise-returning function rejects rather than throws: `await expect(p).rejects` holds.
  if (options.signal?.aborted === true) return Promise.reject(options.signal.reason)
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
 * Reads until EOF and returns the bytes, joined. Rejects with `STREAM_READ_LIMIT`
 * (and destroys the stream) past `maxBytes` (default 16 MiB), with the stream's
 * error if it fails, with `STREAM_DESTROYED` if it closes without error before
 * EOF, and with `signal.reason` on abort (the sink is then detached; the stream
 * is not destroyed, and the bytes read so far are dropped).
 */
export function readAll(
  stream: ByteStream,
  options: AbortOptions & { maxBytes?: number } = {},
): Promise<Uint8Array> {
  // A promise-returning function rejects rather than throws: `await expect(p).rejects` holds.
  if (options.signal?.aborted === true) return Promise.reject(options.signal.reason)
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`)
  }
  if (stream.closed) {
    return Promise.reject(stream.error ?? new StreamError('STREAM_DESTROYED', 'the stream is closed'))
  }
  const chunks: Uint8Array[] = []
  let total = 0
  let settled = false
  let offClose = noop
  const p = new Promise<Uint8Array>((resolve, reject) => {
    const sink: ByteSink = {
      onData(chunk) {
        if (settled) return
        total += chunk.byteLength
        if (total > maxBytes) {
          settled = true
          offClose()
          const err = new StreamError('STREAM_READ_LIMIT', `stream sent more than ${maxBytes} bytes`)
          stream.destroy(err)
          reject(err)
          return
        }
        chunks.push(chunk)
      },
      onEnd() {
        if (settled) return
        settled = true
        offClose()
        resolve(concat(chunks, total))
      },
    }
    offClose = stream.onceClosed((err) => {
      if (settled) return
      settled = true
      reject(err ?? closedError(stream))
    })
    stream.setSink(sink)
    stream.resume()
  })
  return raceSignal(p, options.signal, () => {
    settled = true
    offClose()
    if (!stream.closed) stream.setSink(null)
  })
}

/** Resolves when the stream closes (with no value), rejects with its error if it failed. */
export function streamClosed(stream: ByteStream, options: AbortOptions = {}): Promise<void> {
  // A promise-returning function rejects rather than throws: `await expect(p).rejects` holds.
  if (options.signal?.aborted === true) return Promise.reject(options.signal.reason)
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
