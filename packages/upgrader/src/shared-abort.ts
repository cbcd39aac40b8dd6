/**
 * One `abort` listener per long-lived signal, however many operations wait on it.
 *
 * The switch passes its shutdown signal to every inbound upgrade. A listener per
 * upgrade on that one signal trips Node's `MaxListenersExceededWarning` once more
 * than 10 handshakes run at once (and looks like a leak even though each is removed
 * when its upgrade ends). Instead the first waiter adds a single listener that calls
 * every registered callback, and the last one to leave removes it.
 */

interface Waiters {
  readonly callbacks: Set<() => void>
  readonly listener: () => void
}

const bySignal = new WeakMap<AbortSignal, Waiters>()

/**
 * Calls `callback` once when `signal` aborts (the signal must not be aborted yet:
 * check first, as `upgrade` does). Returns the function that
 * unregisters it (call it when the operation ends, aborted or not).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let waiters = bySignal.get(signal)
  if (waiters === undefined) {
    const callbacks = new Set<() => void>()
    const listener = () => {
      bySignal.delete(signal)
      for (const cb of [...callbacks]) cb()
      callbacks.clear()
    }
    waiters = { callbacks, listener }
    bySignal.set(signal, waiters)
    signal.addEventListener('abort', listener, { once: true })
  }
  // A wrapper: the same callback may be registered twice and removed once.
  const entry = () => callback()
  const { callbacks, listener } = waiters
  callbacks.add(entry)
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return
    if (bySignal.get(signal) === waiters) bySignal.delete(signal)
    signal.removeEventListener('abort', listener)
  }
}
