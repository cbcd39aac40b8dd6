/**
 * The dial of one peer over a ranked schedule (seed 002, "Parallel Dial Attempts (Happy
 * Eyeballs Style)"; RFC 8305 §5; go-libp2p `dial_worker.go`): attempts start at their
 * scheduled delays, at most `maxParallel` at a time; when no attempt is in flight the next
 * one starts at once (a failure does not wait out the stagger delay) and the rest of the
 * schedule moves forward with it. The first success wins: every other attempt is aborted, and
 * a connection an aborted attempt still produces is closed. When every attempt failed, the
 * dial fails with the per-address causes.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from './clock.js'
import { AddressErrors, DialError } from './errors.js'
import type { DialLimiter } from './limiter.js'
import type { ScheduledDial } from './rank.js'

/** Dials and upgrades one address; must honour `signal` (reject soon after it aborts). */
export type DialAddressFn<C> = (addr: Multiaddr, options: { signal: AbortSignal }) => Promise<C>

/** The outcome of one attempt that was not cancelled. */
export type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown }

/** What a worker needs. */
export interface DialWorkerInit<C> {
  readonly schedule: readonly ScheduledDial[]
  readonly dialAddress: DialAddressFn<C>
  /** Closes a connection nobody will use (an attempt that finished after another won). */
  readonly closeConnection: (conn: C) => void
  readonly clock: Clock
  readonly limiter: DialLimiter
  /** Priority in the limiter's queue. */
  readonly priority: number
  /** Attempts of this dial in flight at most. */
  readonly maxParallel: number
  /** Time limit of one attempt, ms. */
  readonly addressTimeoutMs: number
  /** Per-address causes kept at most. */
  readonly maxErrors: number
  /** Called for every attempt that finished (not cancelled): feeds backoff, black-hole detection, dial stats. */
  readonly onOutcome?: (addr: Multiaddr, outcome: AttemptOutcome) => void
}

/** The result of a successful dial. */
export interface DialWorkerResult<C> {
  readonly conn: C
  readonly addr: Multiaddr
}

/** One dial over a schedule. `start()` once; `cancel()` any time. */
export class DialWorker<C> {
  readonly #init: DialWorkerInit<C>
  readonly #queue: ScheduledDial[]
  readonly #attempts = new Set<AbortController>()
  readonly #errors: AddressErrors
  #startedAt = 0
  /** How far the schedule has been pulled forward (ms) by starting attempts early. */
  #shift = 0
  #inFlight = 0
  #timer: unknown
  #done = false
  #resolve!: (r: DialWorkerResult<C>) => void
  #reject!: (err: unknown) => void
  /** Settles once: with the winner, the aggregate failure, or the cancel reason. */
  readonly promise: Promise<DialWorkerResult<C>>

  constructor(init: DialWorkerInit<C>) {
    this.#init = init
    this.#queue = init.schedule.slice().sort((a, b) => a.delayMs - b.delayMs)
    this.#errors = new AddressErrors(init.maxErrors)
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    this.promise.catch(() => {})
  }

  /** Attempts in flight (including those waiting for a limiter slot). */
  get inFlight(): number {
    return this.#inFlight
  }

  /** True once the worker has a result or was cancelled. */
  get done(): boolean {
    return this.#done
  }

  /** Failures so far (for a timeout error). */
  get errors(): AddressErrors {
    return this.#errors
  }

  start(): Promise<DialWorkerResult<C>> {
    this.#startedAt = this.#init.clock.now()
    this.#pump()
    return this.promise
  }

  /** Stops the dial: aborts every attempt with `reason` and rejects with it. Idempotent. */
  cancel(reason: unknown): void {
    if (this.#done) return
    this.#finish()
    this.#abortAll(reason)
    this.#reject(reason)
  }

  /** The current position in the schedule, ms. */
  #position(): number {
    return this.#init.clock.now() - this.#startedAt + this.#shift
  }

  #pump(): void {
    if (this.#done) return
    const { clock, maxParallel } = this.#init
    if (this.#timer !== undefined) {
      clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    while (this.#queue.length > 0 && this.#inFlight < maxParallel) {
      const next = this.#queue[0] as ScheduledDial
      const position = this.#position()
      if (next.delayMs > position) {
        if (this.#inFlight > 0) break
        // Nothing in flight: start the next attempt now and move the rest of the schedule
        // with it (RFC 8305 §5: a failed attempt starts the next one at once).
        this.#shift += next.delayMs - position
      }
      this.#launch(this.#queue.shift() as ScheduledDial)
    }
    if (this.#queue.length === 0 && this.#inFlight === 0) {
      this.#finish()
      this.#reject(this.#errors.toError('DIAL_FAILED', 'all dial attempts failed'))
      return
    }
    const next = this.#queue[0]
    if (next !== undefined && this.#inFlight < maxParallel) {
      this.#timer = clock.setTimeout(
        () => {
          this.#timer = undefined
          this.#pump()
        },
        Math.max(0, next.delayMs - this.#position()),
      )
    }
  }

  #launch(entry: ScheduledDial): void {
    this.#inFlight++
    const controller = new AbortController()
    this.#attempts.add(controller)
    void this.#attempt(entry.addr, controller)
  }

  async #attempt(addr: Multiaddr, controller: AbortController): Promise<void> {
    const { clock, limiter, priority, addressTimeoutMs, dialAddress } = this.#init
    const signal = controller.signal
    let release: (() => void) | undefined
    let timer: unknown
    let conn: C | undefined
    let error: unknown
    let ok = false
    try {
      release = await limiter.acquire(priority, signal)
      timer = clock.setTimeout(() => {
        controller.abort(
          new DialError('DIAL_ADDRESS_TIMEOUT', `dial attempt timed out after ${addressTimeoutMs} ms`),
        )
      }, addressTimeoutMs)
      conn = await dialAddress(addr, { signal })
      ok = true
    } catch (err) {
      error = err
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer)
      release?.()
      this.#attempts.delete(controller)
      this.#inFlight--
    }

    // Cancelled (another address won, or the whole dial was cancelled): the attempt does
    // not count, and a connection it produced anyway has no owner but us.
    if (this.#done) {
      if (ok) this.#closeQuietly(conn as C)
      return
    }
    if (ok && signal.aborted) {
      // Succeeded after its own timeout fired: too late, but it still failed on time.
      this.#closeQuietly(conn as C)
      ok = false
      error = signal.reason
    } else if (!ok && signal.aborted) {
      // Report our timeout rather than whatever the transport made of the abort.
      error = signal.reason
    }
    if (ok) {
      this.#init.onOutcome?.(addr, { ok: true })
      this.#finish()
      // Built only when there is an attempt to cancel: an error captures a stack (~40 µs).
      if (this.#attempts.size > 0) {
        this.#abortAll(new DialError('DIAL_CANCELLED', `another address won: ${addr.toString()}`))
      }
      this.#resolve({ conn: conn as C, addr })
      return
    }
    this.#errors.add(addr, error)
    this.#init.onOutcome?.(addr, { ok: false, error })
    this.#pump()
  }

  #closeQuietly(conn: C): void {
    try {
      this.#init.closeConnection(conn)
    } catch {
      // A close that throws must not break the dial; the connection is gone for us either way.
    }
  }

  #finish(): void {
    this.#done = true
    if (this.#timer !== undefined) {
      this.#init.clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  #abortAll(reason: unknown): void {
    const attempts = [...this.#attempts]
    this.#attempts.clear()
    for (const c of attempts) c.abort(reason)
  }
}
