/**
 * The `onceClosed` half of every closable thing (a muxer session, a connection):
 * callbacks that run once, in registration order, when the owner closes — or in a
 * microtask when registered afterwards. One instance per owner; the owner calls
 * `fire(err)` from the single place where it reaches its closed state.
 */
export class CloseCallbacks {
  // `undefined` until the first registration: most owners close with one or none,
  // and an empty array reserves room for 17 (memory per idle connection).
  #callbacks: Array<(err?: Error) => void> | undefined
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
    if (this.#callbacks === undefined) this.#callbacks = [callback]
    else this.#callbacks.push(callback)
    return () => {
      const list = this.#callbacks
      const i = list === undefined ? -1 : list.indexOf(callback)
      if (i !== -1) list!.splice(i, 1)
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
    for (const cb of callbacks) {
      try {
        cb(err)
      } catch {
        // See above.
      }
    }
  }
}
