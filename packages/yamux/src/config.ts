/**
 * Session options, their defaults and validation (the shape of hashicorp/yamux's
 * `DefaultConfig` / `VerifyConfig`).
 */
import type { Clock } from './clock.js'
import { INITIAL_STREAM_WINDOW, MAX_UINT32 } from './constants.js'

/** Options of `createYamux()`. Every field is optional; see `defaults`. */
export interface YamuxInit {
  /** Receive window of a new stream, bytes. Spec "Flow Control": at least 256 KiB. */
  initialStreamWindowBytes?: number
  /** Largest receive window auto-tuning may grow a stream to, bytes. */
  maxStreamWindowBytes?: number
  /** Largest Data frame payload this side sends, bytes. */
  maxFrameBytes?: number
  /** Largest single transport write when many frames are coalesced, bytes. */
  maxWriteBytes?: number
  /** Bytes a stream queues for sending before `write()` returns false. */
  streamWriteHighWaterMark?: number
  /** Spec "ACK backlog": streams opened by one side and not yet acknowledged. */
  maxAckBacklog?: number
  /** When the remote's ACK backlog is full, `newStream()` waits for an ACK or fails. */
  ackBacklogFull?: 'wait' | 'fail'
  /** An inbound stream not acknowledged (never read from nor written to) within this is reset. 0 = never. */
  ackTimeoutMs?: number
  /** Streams the remote may have open at once; more are reset. */
  maxInboundStreams?: number
  /** Streams this side may have open at once; `newStream()` fails beyond. */
  maxOutboundStreams?: number
  /** Keepalive ping interval; 0 turns keepalive off. */
  keepAliveIntervalMs?: number
  /** A ping unanswered for this long fails the session (keepalive) or the `ping()` call. */
  pingTimeoutMs?: number
  /** Ping replies queued while the transport is not writable; further pings get no reply. */
  maxQueuedPingReplies?: number
  /** Control frames queued while the transport is not writable before the session stops reading. */
  maxQueuedControlFrames?: number
  /** `close()`: how long open streams may take to finish before they are reset. */
  closeTimeoutMs?: number
  /** After a GoAway on a failed session, how long the channel may flush before it is destroyed. */
  lingerMs?: number
  /** Time source (tests inject a fake one). */
  clock?: Clock
}

/** The defaults of every `YamuxInit` field except `clock`. */
export const defaults = {
  initialStreamWindowBytes: INITIAL_STREAM_WINDOW,
  maxStreamWindowBytes: 16 * 1024 * 1024,
  maxFrameBytes: 64 * 1024,
  maxWriteBytes: 256 * 1024,
  streamWriteHighWaterMark: 256 * 1024,
  maxAckBacklog: 256,
  ackBacklogFull: 'wait',
  ackTimeoutMs: 10_000,
  maxInboundStreams: 1024,
  maxOutboundStreams: 1024,
  keepAliveIntervalMs: 30_000,
  pingTimeoutMs: 20_000,
  maxQueuedPingReplies: 32,
  maxQueuedControlFrames: 1024,
  closeTimeoutMs: 10_000,
  lingerMs: 2_000,
} as const satisfies Required<Omit<YamuxInit, 'clock'>>

/** The options after defaults and validation. */
export type YamuxConfig = Required<Omit<YamuxInit, 'clock'>>

/** Applies `defaults` and checks every field; throws TypeError/RangeError on bad input. */
export function validateInit(init: YamuxInit = {}): YamuxConfig {
  if (typeof init !== 'object' || init === null) throw new TypeError('init must be an object')
  const c: YamuxConfig = { ...defaults }
  for (const key of Object.keys(defaults) as Array<keyof YamuxConfig>) {
    const v = init[key]
    if (v !== undefined) (c as Record<string, unknown>)[key] = v
  }
  const int = (name: keyof YamuxConfig, min: number, max: number) => {
    const v = c[name]
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${name} must be an integer`)
    if (v < min || v > max) throw new RangeError(`${name} must be in [${min}, ${max}], got ${v}`)
  }
  int('initialStreamWindowBytes', INITIAL_STREAM_WINDOW, MAX_UINT32)
  int('maxStreamWindowBytes', c.initialStreamWindowBytes, MAX_UINT32)
  int('maxFrameBytes', 1024, 16 * 1024 * 1024)
  int('maxWriteBytes', 1024, 64 * 1024 * 1024)
  int('streamWriteHighWaterMark', 1, Number.MAX_SAFE_INTEGER)
  int('maxAckBacklog', 1, 1_000_000)
  int('ackTimeoutMs', 0, 2 ** 31 - 1)
  int('maxInboundStreams', 0, 1_000_000)
  int('maxOutboundStreams', 0, 1_000_000)
  int('keepAliveIntervalMs', 0, 2 ** 31 - 1)
  int('pingTimeoutMs', 1, 2 ** 31 - 1)
  int('maxQueuedPingReplies', 0, 1_000_000)
  int('maxQueuedControlFrames', 16, 1_000_000)
  int('closeTimeoutMs', 0, 2 ** 31 - 1)
  int('lingerMs', 0, 2 ** 31 - 1)
  if (c.ackBacklogFull !== 'wait' && c.ackBacklogFull !== 'fail') {
    throw new TypeError("ackBacklogFull must be 'wait' or 'fail'")
  }
  return c
}
