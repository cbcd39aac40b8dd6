/**
 * The dialer's time source: wall-clock milliseconds (backoff deadlines are reported as
 * timestamps a caller can compare with `Date.now()`) and one-shot timers. Injected so that
 * every timing path (staggering, timeouts, backoff) is deterministic in tests.
 */
import { type Clock, clockFrom } from '@switchyard/interface'

export type { Clock }

/** `Date.now()` and the global timers, unref'd: a pending dial timer never keeps a process alive. */
export const systemClock: Clock = clockFrom(() => Date.now())
