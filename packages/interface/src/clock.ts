/**
 * An injectable time source: a `now()` and one-shot timers. Packages with timing
 * logic (the dialer's staggering and backoff, yamux keepalive and window tuning)
 * take one so that tests drive time by hand.
 */
export interface Clock {
  /** Milliseconds from the origin the owner documents (wall clock or monotonic). */
  now(): number
  /** Run `callback` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown
  /** Cancel a timer from `setTimeout` (a no-op for a fired or unknown handle). */
  clearTimeout(handle: unknown): void
}

/**
 * A `Clock` over the global timers with the given `now`. Timers are unref'd: a
 * pending timeout or keepalive never keeps a process alive on its own.
 */
export function clockFrom(now: () => number): Clock {
  return {
    now,
    setTimeout(callback, ms) {
      const t = setTimeout(callback, ms) as unknown as { unref?: () => void }
      t.unref?.()
      return t
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>)
    },
  }
}
