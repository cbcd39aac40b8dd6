/**
 * Time source of a session: a monotonic high-resolution clock for RTT and
 * window auto-tuning, and timers for keepalive and timeouts. Injected so tests
 * can drive time by hand.
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin; monotonic (never goes back), sub-millisecond. */
  now(): number
  /** Run `callback` once after `ms`. */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancel a timer from `setTimeout`. */
  clearTimeout(handle: unknown): void
}

/** `performance.now()` and the global timers (unref'd: a session's timers never keep a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms) as unknown as { unref?: () => void }
    t.unref?.()
    return t
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}
