import type { AbortOptions } from '@switchyard/interface'

/** Options of both roles. */
export interface NegotiateOptions extends AbortOptions {
  /**
   * Fail with `MULTISTREAM_TIMEOUT` (and destroy the stream) if the negotiation has
   * not finished after this many milliseconds. `Infinity` disables the timer.
   * Default 10 000, as js-libp2p (`PROTOCOL_NEGOTIATION_TIMEOUT`) and go-libp2p
   * (`DefaultNegotiationTimeout`).
   */
  timeoutMs?: number
  /**
   * Fail with `MULTISTREAM_TOO_MANY_MESSAGES` once the remote has sent more than this
   * many messages in one negotiation (the header counts). Default 16: a header, an
   * `ls` and 14 proposals; each message is at most 1024 bytes, so a negotiation
   * buffers and answers at most ~16 KiB for one stream.
   */
  maxMessages?: number
}

/** Options of `select`. */
export interface SelectOptions extends NegotiateOptions {
  /**
   * Return at once, before the responder confirmed the protocol ("lazy" or
   * "optimistic" select). Only with exactly one protocol. The returned stream sends
   * the header and the proposal with the first write and delivers data only after
   * the confirmation; a `na` destroys it with `MULTISTREAM_PROTOCOL_REJECTED`.
   * `signal` and `timeoutMs` keep applying until the confirmation arrives.
   * Default false. See the README for when this is safe.
   */
  lazy?: boolean
  /**
   * Lazy select only: called once when the responder confirms the protocol (never
   * on a refusal or a failure). It must not throw.
   */
  onConfirmed?: () => void
}

/** Options of `handle`. */
export interface HandleOptions extends NegotiateOptions {
  /**
   * The protocols listed in answer to `ls` when `handle` is given a match function.
   * With an array or a set, that collection is listed and this is ignored.
   * Default: none (an empty list).
   */
  lsProtocols?: readonly string[]
}

/** The defaults of every option, in one place. */
export const defaults = {
  timeoutMs: 10_000,
  maxMessages: 16,
  lazy: false,
} as const

// setTimeout fires at once for delays over 2^31 - 1 ms.
const MAX_TIMER_MS = 0x7fffffff

/** Options with defaults applied and checked. */
export interface ResolvedOptions {
  timeoutMs: number
  maxMessages: number
}

/** Applies `defaults` and checks ranges; throws `RangeError` at the boundary. */
export function resolveOptions(options: NegotiateOptions): ResolvedOptions {
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  const maxMessages = options.maxMessages ?? defaults.maxMessages
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds or Infinity, got ${timeoutMs}`)
  }
  if (timeoutMs !== Infinity && timeoutMs > MAX_TIMER_MS) {
    throw new RangeError(`timeoutMs must be at most ${MAX_TIMER_MS} (or Infinity), got ${timeoutMs}`)
  }
  if (!Number.isInteger(maxMessages) || maxMessages < 2) {
    throw new RangeError(`maxMessages must be an integer >= 2, got ${maxMessages}`)
  }
  return { timeoutMs, maxMessages }
}
