/**
 * Disconnection handling (seed 001 §4.3 "Disconnection Handling"): why a connection
 * closed, how to say goodbye for each reason, and the reconnect strategy per reason
 * for peers marked keep-alive. Pure functions; the switch applies them.
 */
import { type DisconnectReason, type GoodbyeCode, SwitchyardError } from '@switchyard/interface'

/**
 * What to do after a keep-alive peer's last connection closed (seed 001 §4.3):
 * `immediate` (normal, network restructure), `backoff` (timeout, protocol violation,
 * transport error), `when-resources-free` (resource constraint), `never` (banned).
 */
export type ReconnectStrategy =
  | { readonly kind: 'immediate' }
  | { readonly kind: 'backoff'; readonly baseMs: number; readonly maxMs: number }
  | { readonly kind: 'when-resources-free' }
  | { readonly kind: 'never' }

/** Backoff parameters of the reconnect policy. */
export interface ReconnectPolicy {
  /** After a timeout or a transport error: first delay and cap, ms. */
  readonly timeoutBackoff: { readonly baseMs: number; readonly maxMs: number }
  /** After a protocol violation: first delay and cap, ms (longer: the peer misbehaved). */
  readonly violationBackoff: { readonly baseMs: number; readonly maxMs: number }
  /** Reconnect attempts per peer before giving up (a success resets the count). */
  readonly maxAttempts: number
}

/** The default reconnect policy. */
export const reconnectDefaults: ReconnectPolicy = {
  timeoutBackoff: { baseMs: 1_000, maxMs: 60_000 },
  violationBackoff: { baseMs: 30_000, maxMs: 600_000 },
  maxAttempts: 10,
}

/** The strategy for `reason` (seed 001 §4.3 `handle_disconnection`). */
export function reconnectStrategy(
  reason: DisconnectReason,
  policy: ReconnectPolicy = reconnectDefaults,
): ReconnectStrategy {
  switch (reason) {
    case 'normal':
    case 'network-restructure':
      return { kind: 'immediate' }
    case 'timeout':
    case 'transport-error':
      return { kind: 'backoff', ...policy.timeoutBackoff }
    case 'protocol-violation':
      return { kind: 'backoff', ...policy.violationBackoff }
    case 'resource-constraint':
      return { kind: 'when-resources-free' }
    case 'peer-banned':
      return { kind: 'never' }
    default: {
      const never: never = reason
      throw new TypeError(`unknown disconnect reason ${String(never)}`)
    }
  }
}

/**
 * The delay before reconnect attempt `attempt` (0-based) under `strategy`, ms:
 * 0 for `immediate`, `min(base × 2^attempt, max)` for `backoff`, `undefined` when the
 * strategy does not reconnect on a timer.
 */
export function reconnectDelayMs(strategy: ReconnectStrategy, attempt: number): number | undefined {
  switch (strategy.kind) {
    case 'immediate':
      return 0
    case 'backoff':
      return Math.min(strategy.baseMs * 2 ** Math.min(attempt, 30), strategy.maxMs)
    case 'when-resources-free':
    case 'never':
      return undefined
  }
}

/**
 * How to say goodbye for `reason`: `graceful` is GoAway(normal), no new streams, drain
 * (bounded by the goodbye timeout); `abrupt` resets every stream at once (seed 002
 * "Abrupt Termination": protocol errors and bans are not worth draining).
 */
export function goodbyeMode(reason: DisconnectReason): 'graceful' | 'abrupt' {
  return reason === 'protocol-violation' || reason === 'peer-banned' ? 'abrupt' : 'graceful'
}

/**
 * The code the goodbye carries for `reason` (seed 001 §4.3 `send_goodbye(reason)`;
 * seed 002 "Abrupt Termination"). Yamux's GoAway has three codes only (spec "Session
 * termination"): a protocol violation says `protocol-error`; a ban says
 * `internal-error` (there is no "refused" code, and it is not the remote's protocol
 * fault); every graceful reason says `normal`.
 */
export function goodbyeCode(reason: DisconnectReason): GoodbyeCode {
  switch (reason) {
    case 'protocol-violation':
      return 'protocol-error'
    case 'peer-banned':
      return 'internal-error'
    case 'normal':
    case 'network-restructure':
    case 'timeout':
    case 'transport-error':
    case 'resource-constraint':
      return 'normal'
    default: {
      const never: never = reason
      throw new TypeError(`unknown disconnect reason ${String(never)}`)
    }
  }
}

/** Yamux's GoAway codes (spec "Session termination") as the interface's `GoodbyeCode`s. */
const YAMUX_GOAWAY_CODES: readonly GoodbyeCode[] = ['normal', 'protocol-error', 'internal-error']

/**
 * The goodbye code the remote's GoAway carried, read from the muxer's error by field,
 * never by message: a `goodbye` field holding a `GoodbyeCode`, else yamux's numeric
 * `goAwayCode` (`YamuxError`; 0 normal, 1 protocol error, 2 internal error).
 * `undefined` when the error carries none or an unknown one.
 */
export function remoteGoodbye(err: Error): GoodbyeCode | undefined {
  const { goodbye, goAwayCode } = err as { goodbye?: unknown; goAwayCode?: unknown }
  if (typeof goodbye === 'string' && (YAMUX_GOAWAY_CODES as readonly string[]).includes(goodbye)) {
    return goodbye as GoodbyeCode
  }
  return typeof goAwayCode === 'number' ? YAMUX_GOAWAY_CODES[goAwayCode] : undefined
}

/**
 * The reason of a close we did not initiate, from the error the connection closed
 * with (by code, never by message): none → `normal`; a timeout → `timeout`; a refusal
 * of resources → `resource-constraint`; a gate → `peer-banned`; a transport failure
 * or a plain error → `transport-error`; the remote's GoAway by its code (see
 * `remoteGoodbyeReason`); any other typed error of a codec or muxer → `protocol-violation`.
 */
export function classifyClose(err: Error | undefined): DisconnectReason {
  if (err === undefined) return 'normal'
  if (!SwitchyardError.is(err)) return 'transport-error'
  const code = err.code
  if (code.endsWith('_TIMEOUT')) return 'timeout'
  if (code.startsWith('RESOURCE_')) return 'resource-constraint'
  if (code === 'CONNECTION_GATED') return 'peer-banned'
  if (code.startsWith('TRANSPORT_') || code === 'YAMUX_TRANSPORT_CLOSED' || code.startsWith('STREAM_')) {
    return 'transport-error'
  }
  if (code === 'YAMUX_REMOTE_GOAWAY') return remoteGoodbyeReason(remoteGoodbye(err))
  if (code === 'YAMUX_SESSION_CLOSED') return 'normal'
  return 'protocol-violation'
}

/**
 * The reason of a close the remote announced with a GoAway of `code` (seed 001 §4.3):
 * `normal` → `normal`; `protocol-error` (the remote says we broke the protocol) →
 * `protocol-violation`, so a keep-alive peer is redialled only after the long backoff;
 * `internal-error` (the remote failed, timed out or refused us — a ban says the same,
 * see `goodbyeCode`) or a code we do not know → `transport-error`: reconnect with
 * backoff.
 */
export function remoteGoodbyeReason(code: GoodbyeCode | undefined): DisconnectReason {
  switch (code) {
    case 'normal':
      return 'normal'
    case 'protocol-error':
      return 'protocol-violation'
    case 'internal-error':
    case undefined:
      return 'transport-error'
    default: {
      const never: never = code
      throw new TypeError(`unknown goodbye code ${String(never)}`)
    }
  }
}
