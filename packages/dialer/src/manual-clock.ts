import type { Clock } from './clock.js'

interface Timer {
  readonly id: number
  readonly at: number
  readonly callback: () => void
}

/**
 * A clock that moves only when told to: `advance()` fires due timers in deadline order,
 * setting `now()` to each timer's deadline before running it. For tests of the dialer (and
 * of anything built on it, e.g. the switch).
 */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers = new Map<number, Timer>()

  constructor(start = 1_700_000_000_000) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms` synchronously, firing every timer due on the way. */
  advance(ms: number): void {
    const target = this.#now + ms
    for (let t = this.#next(target); t !== undefined; t = this.#next(target)) {
      this.#timers.delete(t.id)
      this.#now = t.at
      t.callback()
    }
    this.#now = target
  }

  /**
   * Moves time forward by `ms`, letting promise callbacks and I/O callbacks run after each
   * fired timer (and once at the start), so async work a timer triggers settles before the
   * next timer fires.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms
    await settleTasks()
    for (let t = this.#next(target); t !== undefined; t = this.#next(target)) {
      this.#timers.delete(t.id)
      this.#now = t.at
      t.callback()
      await settleTasks()
    }
    this.#now = target
    await settleTasks()
  }

  #next(limit: number): Timer | undefined {
    let best: Timer | undefined
    for (const t of this.#timers.values()) {
      if (t.at <= limit && (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id))) {
        best = t
      }
    }
    return best
  }
}

/** Resolves after pending microtasks and one turn of the event loop. */
export function settleTasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
