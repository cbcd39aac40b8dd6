/**
 * `/ipfs/ping/1.0.0` (../../shared/specs/libp2p/ping/ping.md), both roles.
 *
 * The dialer sends 32 random bytes and times the echo with a monotonic clock
 * (`performance.now()`); the listener echoes each 32-byte payload and ends its
 * write side after the dialer's EOF.
 */
import { randomFillSync } from 'node:crypto'
import { handleEcho } from '@switchyard/echo'
import {
  type AbortOptions,
  type ByteStream,
  raceSignal,
  SwitchyardError,
  throwIfAborted,
} from '@switchyard/interface'

/** The protocol id. */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
/** Bytes per ping payload (spec: 32). */
export const PING_LENGTH = 32

/** Error codes of the ping protocol. */
export type PingErrorCode = 'PING_WRONG_ECHO' | 'PING_STREAM_CLOSED' | 'PING_TIMEOUT'

/** A ping that failed: the echo differed, the stream closed, or it timed out. */
export class PingError extends SwitchyardError<PingErrorCode> {}

/** Options of `Pinger.ping`. */
export interface PingOptions extends AbortOptions {
  /** Fail with `PING_TIMEOUT` after this long. Default 10 000 ms. */
  timeoutMs?: number
}

/**
 * The dialer side over one stream: `ping()` as often as you like (one at a time),
 * then `close()`. The stream is owned by the pinger.
 */
export class Pinger {
  readonly #stream: ByteStream
  readonly #payload = new Uint8Array(PING_LENGTH)
  #received = new Uint8Array(PING_LENGTH)
  #receivedBytes = 0
  #pending: { resolve: () => void; reject: (err: Error) => void } | undefined
  #busy = false

  constructor(stream: ByteStream) {
    this.#stream = stream
    stream.setSink({
      onData: (chunk) => this.#onData(chunk),
      onEnd: () => this.#fail(new PingError('PING_STREAM_CLOSED', 'the remote ended the ping stream')),
    })
    stream.onceClosed((err) =>
      this.#fail(new PingError('PING_STREAM_CLOSED', 'the ping stream closed', { cause: err })),
    )
    stream.resume()
  }

  /** One round trip; resolves with the RTT in milliseconds. */
  async ping(options: PingOptions = {}): Promise<number> {
    throwIfAborted(options.signal)
    if (this.#busy) throw new TypeError('Pinger.ping() is already in progress')
    if (this.#stream.closed) throw new PingError('PING_STREAM_CLOSED', 'the ping stream is closed')
    this.#busy = true
    const timeoutMs = options.timeoutMs ?? 10_000
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      randomFillSync(this.#payload)
      this.#receivedBytes = 0
      const echoed = new Promise<void>((resolve, reject) => {
        this.#pending = { resolve, reject }
        timer = setTimeout(
          () => reject(new PingError('PING_TIMEOUT', `no ping reply within ${timeoutMs} ms`)),
          timeoutMs,
        )
      })
      const start = performance.now()
      // The stream takes the chunk over, so hand it a copy of the payload we keep.
      this.#stream.write(this.#payload.slice())
      await raceSignal(echoed, options.signal)
      return performance.now() - start
    } finally {
      clearTimeout(timer)
      this.#pending = undefined
      this.#busy = false
    }
  }

  /** End the stream politely (the listener then ends its side). */
  close(): void {
    this.#stream.end()
  }

  #onData(chunk: Uint8Array): void {
    if (this.#pending === undefined || this.#receivedBytes + chunk.byteLength > PING_LENGTH) {
      this.#fail(new PingError('PING_WRONG_ECHO', 'the remote sent bytes that were not an echo'))
      return
    }
    this.#received.set(chunk, this.#receivedBytes)
    this.#receivedBytes += chunk.byteLength
    if (this.#receivedBytes < PING_LENGTH) return
    for (let i = 0; i < PING_LENGTH; i++) {
      if (this.#received[i] !== this.#payload[i]) {
        this.#fail(new PingError('PING_WRONG_ECHO', 'the ping echo differs from the payload'))
        return
      }
    }
    this.#pending.resolve()
  }

  #fail(err: PingError): void {
    this.#pending?.reject(err)
    this.#pending = undefined
    if (err.code === 'PING_WRONG_ECHO') this.#stream.destroy(err)
  }
}

/**
 * The listener side: echo each 32-byte payload until the dialer's EOF, then end.
 * Takes the stream over. The ping listener is an echo of every byte (payloads
 * are echoed as they arrive, split or not), so it is `handleEcho`, with its
 * backpressure: a dialer that pings without reading cannot grow our memory.
 */
export function handlePing(stream: ByteStream): void {
  handleEcho(stream)
}
