/**
 * The engine shared by both roles: a sink installed on the stream for the length of
 * one negotiation. It decodes messages synchronously as chunks arrive (no promise
 * per chunk), hands each to the role (`onMessage`), coalesces the role's answers to
 * one chunk of input into one write, and enforces the limits: message count,
 * timeout, abort signal, unexpected EOF or close.
 *
 * It ends exactly once: with the protocol and the unread rest of the last chunk, or
 * with an error, after which it has destroyed the stream. Either way it has removed
 * its timer and listeners first.
 */
import { type ByteSink, type ByteStream, StreamError } from '@switchyard/interface'
import { MultistreamError } from './errors.js'
import { MessageDecoder } from './message-decoder.js'
import type { ResolvedOptions } from './options.js'

/**
 * How a negotiation ended: with `err` (an `Error`, or an abort signal's `reason`),
 * or with `err` undefined, the protocol and the bytes received after it (taken over).
 */
export type NegotiationDone = (err: unknown, protocol: string, leftover: Uint8Array | undefined) => void

export abstract class Negotiation implements ByteSink {
  protected readonly stream: ByteStream
  readonly #decoder = new MessageDecoder()
  readonly #maxMessages: number
  readonly #timeoutMs: number
  readonly #signal: AbortSignal | undefined
  readonly #onDone: NegotiationDone
  #messages = 0
  #done = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #offClose: () => void = noop
  // Answers to the chunk being processed: at most a few, written as one.
  #out: Uint8Array[] = []

  constructor(
    stream: ByteStream,
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    onDone: NegotiationDone,
  ) {
    this.stream = stream
    this.#maxMessages = options.maxMessages
    this.#timeoutMs = options.timeoutMs
    this.#signal = signal
    this.#onDone = onDone
  }

  /**
   * Handles one message (borrowed, without its newline). Returns the agreed protocol
   * to end the negotiation, `undefined` to wait for more. Throws `MultistreamError`.
   */
  protected abstract onMessage(message: Uint8Array): string | undefined

  /** Called when a chunk is used up and the negotiation waits for more input. */
  protected beforeWait(): void {}

  /** Queues `bytes` (taken over) to be written once the current chunk is processed. */
  protected send(bytes: Uint8Array): void {
    this.#out.push(bytes)
  }

  /** Installs the sink, timer and listeners; writes `first` (taken over) if given. */
  start(first?: Uint8Array): void {
    const stream = this.stream
    this.#offClose = stream.onceClosed((err) => {
      this.#offClose = noop
      this.fail(
        err ?? new MultistreamError('MULTISTREAM_UNEXPECTED_EOF', 'the stream closed during negotiation'),
      )
    })
    if (this.#timeoutMs !== Infinity) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.fail(
          new MultistreamError('MULTISTREAM_TIMEOUT', `negotiation took longer than ${this.#timeoutMs} ms`),
        )
      }, this.#timeoutMs)
    }
    if (this.#signal !== undefined) {
      this.#onAbort = () => this.#aborted()
      this.#signal.addEventListener('abort', this.#onAbort, { once: true })
    }
    stream.setSink(this)
    if (stream.paused) stream.resume()
    if (first !== undefined) {
      try {
        this.#write(first)
      } catch (err) {
        // write() after the caller's own end(): the negotiation cannot proceed.
        this.fail(err as Error)
      }
    }
  }

  onData(chunk: Uint8Array): void {
    if (this.#done) return
    const decoder = this.#decoder
    const end = chunk.byteLength
    let offset = 0
    try {
      while (offset < end) {
        offset = decoder.decode(chunk, offset)
        const message = decoder.message
        if (message === undefined) break
        if (++this.#messages > this.#maxMessages) {
          throw new MultistreamError(
            'MULTISTREAM_TOO_MANY_MESSAGES',
            `the remote sent more than ${this.#maxMessages} messages in one negotiation`,
          )
        }
        const protocol = this.onMessage(message)
        if (protocol !== undefined) {
          this.#flush()
          this.#succeed(protocol, offset < end ? chunk.subarray(offset) : undefined)
          return
        }
      }
      this.beforeWait()
      this.#flush()
    } catch (err) {
      this.fail(err instanceof Error ? err : new TypeError(String(err)))
    }
  }

  onEnd(): void {
    this.fail(
      new MultistreamError(
        'MULTISTREAM_UNEXPECTED_EOF',
        'the remote closed its write side during negotiation',
      ),
    )
  }

  /** Ends the negotiation with `err`: cleans up, destroys the stream, reports. */
  protected fail(err: Error, reason: unknown = err): void {
    if (this.#done) return
    this.#done = true
    // Answers already decided (a `na` before the garbage that follows a refused lazy
    // proposal) still go out: a transport that sends queued data before its reset
    // lets the initiator see the refusal rather than only the reset.
    try {
      this.#flush()
    } catch {
      // write() after end(): nothing more can be sent anyway.
    }
    this.#cleanup()
    this.stream.destroy(err)
    this.#onDone(reason, '', undefined)
  }

  #succeed(protocol: string, leftover: Uint8Array | undefined): void {
    this.#done = true
    this.#cleanup()
    this.#onDone(undefined, protocol, leftover)
  }

  #cleanup(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#onAbort !== undefined) {
      this.#signal!.removeEventListener('abort', this.#onAbort)
      this.#onAbort = undefined
    }
    this.#offClose()
    this.#offClose = noop
  }

  #flush(): void {
    const out = this.#out
    if (out.length === 0) return
    this.#out = []
    if (out.length === 1) {
      this.#write(out[0]!)
      return
    }
    let total = 0
    for (const b of out) total += b.byteLength
    const joined = new Uint8Array(total)
    let offset = 0
    for (const b of out) {
      joined.set(b, offset)
      offset += b.byteLength
    }
    this.#write(joined)
  }

  // Negotiation messages are tiny and bounded by `maxMessages`, so a `false` from
  // write() (wait for drain) is not waited for: the chunk was accepted all the same.
  #write(bytes: Uint8Array): void {
    this.stream.write(bytes)
  }

  // Created only when there is a signal: most negotiations have none.
  #onAbort: (() => void) | undefined

  #aborted(): void {
    const reason: unknown = this.#signal!.reason
    this.fail(
      reason instanceof Error
        ? reason
        : new StreamError('STREAM_DESTROYED', 'negotiation aborted', { cause: reason }),
      reason,
    )
  }
}

const noop = (): void => {}
