/**
 * Dial deduplication (seed 002, "Dial Deduplication"; go-libp2p `dial_sync.go`): concurrent
 * dials of one key (a peer) share one dial, and every caller gets the same connection or
 * error. A caller that aborts leaves with its own `signal.reason`; the shared dial is
 * cancelled only when every caller has left.
 */
import { raceSignal, throwIfAborted } from '@switchyard/interface'

/** A running shared dial, as started by the `start` callback of {@link DialDedupe.join}. */
export interface SharedDial<T> {
  readonly promise: Promise<T>
  /** Cancels the dial; `promise` rejects with `reason`. */
  cancel(reason: unknown): void
}

interface Entry<T> {
  readonly dial: SharedDial<T>
  refs: number
}

/** Shares one dial per key among concurrent callers. */
export class DialDedupe<T> {
  readonly #active = new Map<string, Entry<T>>()

  /** Dials in progress. */
  get size(): number {
    return this.#active.size
  }

  /** True when a dial of `key` is in progress. */
  has(key: string): boolean {
    return this.#active.has(key)
  }

  /**
   * Joins the dial of `key`, starting it with `start()` if none is in progress. Resolves or
   * rejects with the shared outcome, or with `signal.reason` if this caller aborts first.
   */
  join(key: string, start: () => SharedDial<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal)
    let entry = this.#active.get(key)
    if (entry === undefined) {
      const dial = start()
      const created: Entry<T> = { dial, refs: 0 }
      entry = created
      this.#active.set(key, created)
      const remove = () => {
        if (this.#active.get(key) === created) this.#active.delete(key)
      }
      dial.promise.then(remove, remove)
    }
    const joined = entry
    joined.refs++
    let left = false
    const leave = () => {
      if (left) return
      left = true
      joined.refs--
    }
    const result = raceSignal(joined.dial.promise, signal, (reason) => {
      leave()
      if (joined.refs === 0) {
        // The last caller left: nobody wants the connection any more.
        if (this.#active.get(key) === joined) this.#active.delete(key)
        joined.dial.cancel(reason)
      }
    })
    return result.finally(leave)
  }

  /** Cancels every dial in progress with `reason`. */
  cancelAll(reason: unknown): void {
    const entries = [...this.#active.values()]
    this.#active.clear()
    for (const e of entries) e.dial.cancel(reason)
  }
}
