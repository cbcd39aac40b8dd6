/**
 * The global limit on concurrent address attempts (each holds a socket / file descriptor
 * while it dials and upgrades), with a priority queue for attempts that must wait
 * (go-libp2p `limiter.go`; js-libp2p `maxParallelDials` with `priority`). Higher priority
 * first, first come first served within a priority.
 */
import { DialError } from './errors.js'

/** Releases a slot; idempotent. */
export type Release = () => void

interface Waiter {
  readonly priority: number
  readonly seq: number
  resolve: ((release: Release) => void) | undefined
  reject: (err: unknown) => void
}

/** A counting semaphore with a bounded priority queue. */
export class DialLimiter {
  readonly #max: number
  readonly #maxQueue: number
  #active = 0
  #waiting = 0
  #seq = 0
  // A binary max-heap on (priority, -seq); aborted waiters stay in it with `resolve` unset.
  readonly #heap: Waiter[] = []

  /** `maxConcurrent` slots; at most `maxQueue` waiters (beyond: `DIAL_QUEUE_FULL`). */
  constructor(maxConcurrent: number, maxQueue: number) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be an integer >= 1, got ${String(maxConcurrent)}`)
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`maxQueue must be an integer >= 0, got ${String(maxQueue)}`)
    }
    this.#max = maxConcurrent
    this.#maxQueue = maxQueue
  }

  /** Slots in use. */
  get active(): number {
    return this.#active
  }

  /** Waiters in the queue. */
  get queued(): number {
    return this.#waiting
  }

  /**
   * Takes a slot, waiting in the queue if none is free. Rejects with `signal.reason` on
   * abort (leaving the queue) and with `DIAL_QUEUE_FULL` when the queue is full.
   */
  acquire(priority: number, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (this.#active < this.#max) {
      this.#active++
      return Promise.resolve(this.#releaser())
    }
    if (this.#waiting >= this.#maxQueue) {
      return Promise.reject(
        new DialError('DIAL_QUEUE_FULL', `dial queue is full (${this.#maxQueue} waiting)`),
      )
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        if (waiter.resolve === undefined) return
        waiter.resolve = undefined
        this.#waiting--
        this.#compact()
        reject(signal?.reason)
      }
      const waiter: Waiter = {
        priority,
        seq: this.#seq++,
        resolve: (release) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(release)
        },
        reject,
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting++
      this.#push(waiter)
    })
  }

  #releaser(): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      this.#active--
      this.#dispatch()
    }
  }

  #dispatch(): void {
    while (this.#active < this.#max && this.#heap.length > 0) {
      const w = this.#pop() as Waiter
      const resolve = w.resolve
      if (resolve === undefined) continue // aborted while queued
      w.resolve = undefined
      this.#waiting--
      this.#active++
      resolve(this.#releaser())
    }
    // Drop aborted waiters so the heap does not grow with them.
    if (this.#waiting === 0) this.#heap.length = 0
  }

  // Rebuilds the heap without aborted waiters once they outnumber the live ones.
  #compact(): void {
    if (this.#heap.length <= 2 * this.#waiting + 32) return
    const live = this.#heap.filter((w) => w.resolve !== undefined)
    this.#heap.length = 0
    for (const w of live) this.#push(w)
  }

  static #before(a: Waiter, b: Waiter): boolean {
    return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)
  }

  #push(w: Waiter): void {
    const h = this.#heap
    h.push(w)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!DialLimiter.#before(h[i] as Waiter, h[p] as Waiter)) break
      ;[h[i], h[p]] = [h[p] as Waiter, h[i] as Waiter]
      i = p
    }
  }

  #pop(): Waiter | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && DialLimiter.#before(h[l] as Waiter, h[m] as Waiter)) m = l
        if (r < h.length && DialLimiter.#before(h[r] as Waiter, h[m] as Waiter)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m] as Waiter, h[i] as Waiter]
        i = m
      }
    }
    return top
  }
}
