/**
 * The `onceClosed` half of every closable thing (a muxer session, a connection):
 * callbacks that run once, in registration order, when the owner closes — or in a
 * microtask when registered afterwards. One instance per owner; the owner calls
 * `fire(err)` from the single place where it reaches its closed state.
 */
export class CloseCallbacks {
  // `undefined` until the first registration, then the callback itself, and an array
  // only from the second: most owners close with one or none (memory per idle connection).
  #callbacks: ((err?: Error) => void) | Array<(err?: Error) => void> | undefined
  #fired = false
  #error: Error | undefined

  /** Register `callback`; returns a function that unregisters it. */
  add(callback: (err?: Error) => void): () => void {
    if (this.#fired) {
      let cancelled = false
      queueMicrotask(() => {
        if (!cancelled) callback(this.#error)
      })
      return () => {
        cancelled = true
      }
    }
    const held = this.#callbacks
    if (held === undefined) this.#callbacks = callback
    else if (typeof held === 'function') this.#callbacks = [held, callback]
    else held.push(callback)
    return () => {
      const list = this.#callbacks
      if (list === callback) {
        this.#callbacks = undefined
        return
      }
      if (!Array.isArray(list)) return
      const i = list.indexOf(callback)
      if (i !== -1) list.splice(i, 1)
    }
  }

  /**
   * Run every callback once with `err`. Idempotent. A callback that throws does
   * not stop the others: its failure is its owner's problem, not the closer's.
   */
  fire(err?: Error): void {
    if (this.#fired) return
    this.#fired = true
    this.#error = err
    const callbacks = this.#callbacks
    this.#callbacks = undefined
    if (callbacks === undefined) return
    if (typeof callbacks === 'function') {
      try {
        callbacks(err)
      } catch {
        // A callback that throws does not stop the closer (see below).
      }
      return
    }
    for (const cb of callbacks) {
      try {
        cb(err)
      } catch {
        // See above.
      }
    }
  }
}
