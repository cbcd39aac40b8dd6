/**
 * The libp2p noise secure channel after the handshake (libp2p noise spec
 * §Wire Format, §Encryption and I/O): a `ByteStream` whose every chunk travels
 * as `len (2 bytes BE) ‖ ChaCha20-Poly1305(plaintext) ‖ tag` frames over the
 * underlying stream, which it owns.
 *
 * Reading is synchronous in the underlying stream's sink: each complete frame is
 * authenticated and decrypted as it arrives, and only then handed to the reader,
 * so no unauthenticated byte is ever delivered. A failed tag, a frame shorter
 * than a tag, a stream that ends inside a frame, or an exhausted nonce destroy
 * the channel (and the underlying stream) with a `NoiseError`.
 *
 * Writing coalesces: chunks written in the same tick are cut into frames of at
 * most 65519 plaintext bytes (small chunks share a frame), encrypted into one
 * buffer and handed to the underlying stream in one `write()` (per MiB). While
 * the underlying stream needs drain, plaintext waits here and `write()` reports
 * backpressure; reading backpressure pauses the underlying stream.
 */
import {
  type ByteSink,
  type ByteStream,
  ByteStreamBase,
  type ByteStreamBaseInit,
  TickQueue,
} from '@switchyard/interface'
import { type CipherState, TAG_LENGTH } from './cipher-state.js'
import { NoiseError } from './errors.js'
import { type FrameDecoder, MAX_FRAME_BYTES } from './frame-decoder.js'

/** The most plaintext one frame carries: 65535 − 16 (libp2p noise spec §Wire Format). */
export const MAX_PLAINTEXT_BYTES = MAX_FRAME_BYTES - TAG_LENGTH
/** Plaintext encrypted per underlying `write()` at most (16 full frames). */
const MAX_BATCH_PLAINTEXT = 16 * MAX_PLAINTEXT_BYTES
const EMPTY = new Uint8Array(0)
/**
 * From this much plaintext per flush, and when the stream below can gather
 * (`writev`), frames leave as pieces (length, ciphertext pieces, tag) instead of
 * being sealed into one joined buffer: nothing is copied, and the socket writes
 * them in one `writev`. Below it, one copy is cheaper than many small pieces.
 */
const GATHER_MIN_BYTES = 16 * 1024
/** A frame made of more queued chunks than this is joined first (few large pieces, not many tiny ones). */
const MAX_PIECES_PER_FRAME = 8

/** Options of a secure channel. */
export interface SecureChannelInit extends ByteStreamBaseInit {
  /**
   * Plaintext bytes queued here (while the underlying stream needs drain) before
   * `write()` returns `false`. Default 128 KiB.
   */
  writableHighWaterMark?: number
}

/** Keys and leftovers a completed handshake hands to the channel. */
export interface SecureChannelKeys {
  send: CipherState
  recv: CipherState
  /** Bytes received after the last handshake message (already buffered). */
  decoder: FrameDecoder
}

/** An encrypted `ByteStream` over an underlying `ByteStream` (owned). */
export class SecureChannel extends ByteStreamBase {
  readonly #inner: ByteStream
  readonly #send: CipherState
  readonly #recv: CipherState
  readonly #decoder: FrameDecoder
  readonly #writableHwm: number
  // Idle memory: what an idle channel does not need is made on first use (the
  // plaintext queue) or not kept at all (a flush task: channels to flush wait in one
  // module-wide list; the handle to cancel our close callback on the underlying
  // stream: it is a no-op once we are closed).
  /** Plaintext waiting for the next flush: `#pending[#pendingHead..]`; `undefined` when empty. */
  #pending: Uint8Array[] | undefined
  #pendingHead = 0
  #pendingBytes = 0
  #flushScheduled = false
  #innerNeedsDrain = false
  #endRequested = false
  #endSent = false
  #innerClosed = false
  #offDrain: () => void = noop

  /** The underlying stream's sink: one object, its methods on the prototype (no closures per channel). */
  static readonly #Sink = class SecureChannelSink implements ByteSink {
    readonly channel: SecureChannel
    constructor(channel: SecureChannel) {
      this.channel = channel
    }
    onData(chunk: Uint8Array): void {
      this.channel.#onData(chunk)
    }
    onEnd(): void {
      this.channel.#onEnd()
    }
  }

  constructor(inner: ByteStream, keys: SecureChannelKeys, init: SecureChannelInit = {}) {
    super(init)
    this.#inner = inner
    this.#send = keys.send
    this.#recv = keys.recv
    this.#decoder = keys.decoder
    this.#writableHwm = init.writableHighWaterMark ?? 128 * 1024
    inner.onceClosed((err) => this.#onInnerClosed(err))
    inner.setSink(new SecureChannel.#Sink(this))
    // Frames that arrived together with the last handshake message.
    if (this.#decoder.bufferedBytes > 0) this.#onData(EMPTY)
  }

  // ---- reading --------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.closed) return
    const decoder = this.#decoder
    decoder.push(chunk)
    let more = true
    for (let pieces = decoder.nextPieces(); pieces !== undefined; pieces = decoder.nextPieces()) {
      let n = 0
      for (const p of pieces) n += p.byteLength
      if (n < TAG_LENGTH) {
        this.#fail(new NoiseError('NOISE_FRAME_TOO_SHORT', `a ${n}-byte frame cannot hold a tag`))
        return
      }
      let plaintext: Uint8Array[]
      try {
        plaintext = this.#recv.decryptPieces(EMPTY, pieces, n)
      } catch (err) {
        this.#fail(err as Error)
        return
      }
      for (const p of plaintext) {
        if (p.byteLength > 0) more = this.push(p) && more
        if (this.closed) return
      }
    }
    if (!more) this.#inner.pause()
  }

  #onEnd(): void {
    if (this.closed) return
    if (this.#decoder.bufferedBytes > 0) {
      this.#fail(new NoiseError('NOISE_TRUNCATED', 'the stream ended inside a noise frame'))
      return
    }
    this.pushEnd()
  }

  protected override _readMore(): void {
    this.#inner.resume()
  }

  // ---- writing --------------------------------------------------------------

  protected _write(chunk: Uint8Array): boolean {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('write() takes a Uint8Array')
    if (chunk.byteLength > 0) {
      // A one-element literal: push() onto [] would reserve 17 slots.
      if (this.#pending === undefined) this.#pending = [chunk]
      else this.#pending.push(chunk)
      this.#pendingBytes += chunk.byteLength
      if (!this.#flushScheduled && !this.#innerNeedsDrain) this.#scheduleFlush()
    }
    return !this.#innerNeedsDrain && this.#pendingBytes < this.#writableHwm
  }

  protected _end(): void {
    this.#endRequested = true
    if (!this.#flushScheduled) this.#scheduleFlush()
  }

  #scheduleFlush(): void {
    this.#flushScheduled = true
    SecureChannel.#flushes.add(this)
  }

  /** Every channel with a flush scheduled, flushed in order in one microtask. */
  static readonly #flushes = new TickQueue<SecureChannel>((channel) => {
    channel.#flushScheduled = false
    try {
      channel.#flush()
    } catch (err) {
      // What a drain callback threw stays an uncaught error, as from a microtask of
      // its own, and does not keep the other channels from flushing.
      queueMicrotask(() => {
        throw err
      })
    }
  })

  #flush(): void {
    const inner = this.#inner
    while (this.#pendingBytes > 0 && !this.#innerNeedsDrain && !this.closed) {
      const batch = Math.min(this.#pendingBytes, MAX_BATCH_PLAINTEXT)
      let ok: boolean
      try {
        ok =
          batch >= GATHER_MIN_BYTES && inner.writev !== undefined
            ? inner.writev(this.#sealGathered(batch))
            : inner.write(this.#sealJoined(batch))
      } catch (err) {
        this.#fail(err as Error)
        return
      }
      if (!ok) {
        if (inner.closed) return
        this.#innerNeedsDrain = true
        this.#offDrain = inner.onceDrain(() => {
          this.#innerNeedsDrain = false
          this.#flush()
        })
      }
    }
    if (this.closed) return
    if (this.#pendingBytes === 0 && this.#endRequested && !this.#endSent) {
      this.#endSent = true
      inner.end()
    }
    if (!this.#innerNeedsDrain && this.#pendingBytes < this.#writableHwm) this.emitDrain()
  }

  /** Seals the next `batch` plaintext bytes into one buffer of frames. */
  #sealJoined(batch: number): Uint8Array {
    const frames = Math.ceil(batch / MAX_PLAINTEXT_BYTES)
    const out = allocUnsafe(batch + frames * (2 + TAG_LENGTH))
    let o = 0
    for (let left = batch; left > 0; ) {
      const n = Math.min(left, MAX_PLAINTEXT_BYTES)
      out[o] = (n + TAG_LENGTH) >> 8
      out[o + 1] = (n + TAG_LENGTH) & 0xff
      this.#send.sealInto(EMPTY, this.#takePlaintext(n), out, o + 2)
      o += 2 + n + TAG_LENGTH
      left -= n
    }
    return out
  }

  /** Seals the next `batch` plaintext bytes as pieces for `writev`: per frame its length, its ciphertext pieces, its tag. */
  #sealGathered(batch: number): Uint8Array[] {
    const frames = Math.ceil(batch / MAX_PLAINTEXT_BYTES)
    const lengths = new Uint8Array(2 * frames)
    const out: Uint8Array[] = []
    const pieces: Uint8Array[] = []
    let f = 0
    for (let left = batch; left > 0; f++) {
      const n = Math.min(left, MAX_PLAINTEXT_BYTES)
      lengths[2 * f] = (n + TAG_LENGTH) >> 8
      lengths[2 * f + 1] = (n + TAG_LENGTH) & 0xff
      out.push(lengths.subarray(2 * f, 2 * f + 2))
      this.#takePieces(n, pieces)
      this.#send.sealPieces(EMPTY, pieces, out)
      pieces.length = 0
      left -= n
    }
    return out
  }

  /** Appends the next `n` plaintext bytes to `into` as views of the queued chunks (joined past MAX_PIECES_PER_FRAME). */
  #takePieces(n: number, into: Uint8Array[]): void {
    const pending = this.#pending!
    let count = 0
    for (let i = this.#pendingHead, have = 0; have < n; i++, count++) have += pending[i]!.byteLength
    if (count > MAX_PIECES_PER_FRAME) {
      into.push(this.#takePlaintext(n))
      return
    }
    this.#pendingBytes -= n
    for (let left = n; left > 0; ) {
      const c = pending[this.#pendingHead]!
      if (c.byteLength <= left) {
        into.push(c)
        this.#dropPendingHead(pending)
        left -= c.byteLength
      } else {
        into.push(c.subarray(0, left))
        pending[this.#pendingHead] = c.subarray(left)
        left = 0
      }
    }
  }

  /** The next `n` plaintext bytes: a view when they lie in one chunk, else joined. */
  #takePlaintext(n: number): Uint8Array {
    this.#pendingBytes -= n
    // #pendingBytes was ≥ n, so the queue exists and holds at least n bytes.
    const pending = this.#pending!
    const first = pending[this.#pendingHead]!
    if (first.byteLength === n) {
      this.#dropPendingHead(pending)
      return first
    }
    if (first.byteLength > n) {
      pending[this.#pendingHead] = first.subarray(n)
      return first.subarray(0, n)
    }
    const joined = new Uint8Array(n)
    let o = 0
    while (o < n) {
      const c = pending[this.#pendingHead]!
      const piece = Math.min(c.byteLength, n - o)
      joined.set(piece === c.byteLength ? c : c.subarray(0, piece), o)
      if (piece === c.byteLength) this.#dropPendingHead(pending)
      else pending[this.#pendingHead] = c.subarray(piece)
      o += piece
    }
    return joined
  }

  // A head index instead of shift(): many small writes in one tick stay O(n).
  #dropPendingHead(pending: Uint8Array[]): void {
    pending[this.#pendingHead++] = EMPTY
    if (this.#pendingHead === pending.length) {
      this.#pending = undefined
      this.#pendingHead = 0
    }
  }

  // ---- closing --------------------------------------------------------------

  #onInnerClosed(err: Error | undefined): void {
    if (this.closed) return
    if (err !== undefined) {
      this.finish(err)
      return
    }
    if (this.#decoder.bufferedBytes > 0) {
      this.finish(new NoiseError('NOISE_TRUNCATED', 'the stream closed inside a noise frame'))
      return
    }
    // Graceful: both directions ended below us; we close once the reader has had
    // every chunk and the EOF, and leave the (already closed) stream alone.
    this.#innerClosed = true
    this.finish()
  }

  #fail(err: Error): void {
    this.destroy(err)
  }

  protected _destroy(err: Error | undefined): void {
    this.#pending = undefined
    this.#pendingHead = 0
    this.#pendingBytes = 0
    this.#decoder.clear()
    this.#offDrain()
    // Our close callback stays registered on the underlying stream: destroying it
    // below runs the callback, which returns at once (`this.closed`).
    if (this.#innerClosed) return
    this.#inner.setSink(null)
    this.#inner.destroy(err)
  }
}

const noop = () => {}
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe(n: number): Uint8Array } }).Buffer

/** An uninitialised buffer on Node (every byte is written before use), else zeroed. */
function allocUnsafe(n: number): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.allocUnsafe(n) : new Uint8Array(n)
}
