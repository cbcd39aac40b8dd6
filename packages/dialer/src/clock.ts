/**
 * The dialer's time source: wall-clock milliseconds (backoff deadlines are reported as
 * timestamps a caller can compare with `Date.now()`) and one-shot timers. Injected so that
 * every timing path (staggering, timeouts, backoff) is deterministic in tests.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any origin the caller's timestamps share). */
  now(): number
  /** Run `callback` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancel a timer from `setTimeout` (a no-op for a fired or unknown handle). */
  clearTimeout(handle: unknown): void
}

/** `Date.now()` and the global timers, unref'd: a pending dial timer never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms) as unknown as { unref?: () => void }
    t.unref?.()
    return t
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}
