/**
 * Time source of a session: a monotonic high-resolution clock for RTT and
 * window auto-tuning, and timers for keepalive and timeouts. Injected so tests
 * can drive time by hand.
 */
import { type Clock, clockFrom } from '@switchyard/interface'

export type { Clock }

/** `performance.now()` and the global timers (unref'd: a session's timers never keep a process alive). */
export const systemClock: Clock = clockFrom(() => performance.now())
